"""The first visit's welcome: shown once to the patient's own account, skippable, never in the way.
What it shows is read from the patient's own data (summaries/selectors/welcome.py)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from portal.access import Access
from portal.models import AuditEvent, User
from summaries.models import Welcome


def show_once(*, access: Access, actor: User) -> bool:
    """True the first time the patient's own account opens their home (and records it); False
    for every later visit, and for anyone else (a caregiver, staff)."""
    if access.acting_as != AuditEvent.ActingAs.SELF:
        return False
    if Welcome.objects.filter(patient=access.patient, user=actor).exists():
        return False
    try:
        with transaction.atomic():
            Welcome.objects.create(patient=access.patient, user=actor)
    except IntegrityError:  # another tab showed it a moment ago
        return False
    return True
