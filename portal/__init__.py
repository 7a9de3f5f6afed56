"""People, access, audit and the project core of the patient portal."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
