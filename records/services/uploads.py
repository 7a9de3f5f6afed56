"""A staff upload becomes an import run, executed by a worker after the upload is committed."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from portal.models import Organization, User
from records.models import ImportRun


@transaction.atomic
def import_run_upload(
    *, source: Organization, upload: UploadedFile, started_by: User, create_missing_patients: bool, ndjson: bool
) -> ImportRun:
    from records.tasks import import_run

    run = ImportRun.objects.create(
        source=source,
        format=ImportRun.Format.NDJSON if ndjson else ImportRun.Format.BUNDLE,
        filename=(upload.name or "upload")[:255],
        started_by=started_by,
        create_missing_patients=create_missing_patients,
    )
    suffix = ".ndjson" if ndjson else ".json"
    run.upload.save(f"run-{run.pk}{suffix}", upload, save=True)
    transaction.on_commit(lambda: import_run.delay(run.pk))
    return run
