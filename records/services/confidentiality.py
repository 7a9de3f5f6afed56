"""Staff mark an item confidential, or show it again, with a reason: a teen's caregivers then never
see it, nor its trace in the activity. The built-in rules (records/services/minor_consent.py)
never undo a care team's decision either way."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from records.models import ConfidentialityDecision, RecordItem

REASON_MAX = 500


@transaction.atomic
def item_set_confidential(*, access: Access, actor: User, item_id: int, confidential: bool, reason: str) -> RecordItem:
    # Anyone but the care team gets the same 404 as a stranger.
    if not access.is_staff_side:
        raise Http404
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why, so the care team can see the reason later."))
    if len(reason) > REASON_MAX:
        raise ServiceError(_("Keep the reason to 500 characters or fewer."))
    item = RecordItem.objects.select_for_update().filter(patient=access.patient, pk=item_id).first()
    if item is None:
        raise Http404
    item.confidential, item.confidential_by = confidential, RecordItem.ConfidentialBy.STAFF
    item.save(update_fields=["confidential", "confidential_by"])
    ConfidentialityDecision.objects.create(item=item, confidential=confidential, reason=reason, decided_by=actor)
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="records.Confidentiality",
        object_id=item.pk,
        confidential=True,
    )
    return item
