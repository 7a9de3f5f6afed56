"""Staff mark an item confidential: a teen's caregivers then never see it, nor its trace in the activity."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from records.models import RecordItem


@transaction.atomic
def item_set_confidential(*, access: Access, actor: User, item_id: int, confidential: bool) -> RecordItem:
    if access.acting_as != AuditEvent.ActingAs.STAFF:
        raise ServiceError(_("Only the care team can mark an item confidential."))
    item = RecordItem.objects.select_for_update().filter(patient=access.patient, pk=item_id).first()
    if item is None:
        raise ServiceError(_("That item was not found."))
    item.confidential = confidential
    item.save(update_fields=["confidential"])
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="records.Confidentiality",
        object_id=item.pk,
        confidential=True,
    )
    return item
