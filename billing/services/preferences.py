"""The patient's billing preferences: paperless statements, an explicit and reversible choice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Account
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError


@transaction.atomic
def paperless_set(
    *, access: Access, actor: User, account_id: int, paperless: bool, now: datetime | None = None
) -> Account:
    """Turn paperless statements on or off for one account (no change: nothing written)."""
    access.require(Action.BILLING, patient_side=True)
    account = Account.objects.select_for_update().filter(pk=account_id, patient=access.patient).first()
    if account is None:
        raise ServiceError(_("This account is not one of yours."))
    if account.paperless == paperless:
        return account
    account.paperless = paperless
    account.paperless_changed_at = now or timezone.now()
    account.save(update_fields=["paperless", "paperless_changed_at"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=account)
    return account
