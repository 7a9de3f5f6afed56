"""WSGI entry point (gunicorn in production)."""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# A security error of the deploy checks (the test payment gateway in production, ...) refuses to
# serve at all, rather than run unsafely until someone reads the check's output.
_refused = [
    message
    for message in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)
    if message.level >= checks.ERROR
]
if _refused:
    raise ImproperlyConfigured("; ".join(f"{message.id}: {message.msg}" for message in _refused))
