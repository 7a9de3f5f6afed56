"""Corrections: a patient says an item of their record is wrong; the care team reviews it.

Nothing here changes the imported record. A correction is a `CareTask` holding the patient's
words and the item; if the clinic agrees, it fixes its own system and the next import brings
the change.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from records.models import CareTask, RecordItem
from records.selectors.patient import visible_items

CORRECTABLE = (
    RecordItem.Kind.PROBLEM,
    RecordItem.Kind.MEDICATION,
    RecordItem.Kind.ALLERGY,
    RecordItem.Kind.IMMUNIZATION,
)
MAX_LENGTH = 2000


def may_report(access: Access) -> bool:
    """The patient and their caregivers report mistakes; staff correct them at the source."""
    return access.is_patient_side


@transaction.atomic
def correction_request(*, access: Access, actor: User, item_id: int, text: str) -> CareTask:
    """Send the care team the patient's note that `item_id` is wrong."""
    if not may_report(access):
        raise ServiceError(_("Only the patient and their caregivers report mistakes in the record."))
    text = text.strip()
    if not text:
        raise ServiceError(_("Tell us what is wrong."), field="text")
    if len(text) > MAX_LENGTH:
        raise ServiceError(_("Please keep it to 2000 characters or fewer."), field="text")
    item = visible_items(access).filter(pk=item_id, kind__in=CORRECTABLE).first()
    if item is None:
        raise ServiceError(_("This item is not in the record any more."))
    task = CareTask.objects.create(
        patient=access.patient, kind=CareTask.Kind.CORRECTION, item=item, text=text, created_by=actor
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=task, confidential=item.confidential)
    return task
