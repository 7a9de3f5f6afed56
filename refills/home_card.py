"""The Medications card on the patient's home page: the open refill requests (two queries: them
and their audit)."""

from __future__ import annotations

from datetime import datetime

from portal import audit
from portal.access import Access
from portal.home_cards import HomeCard
from portal.models import AuditEvent, User
from refills.models import OPEN
from refills.selectors.patient import visible_requests


def refills_card(*, access: Access, actor: User, now: datetime) -> HomeCard:
    open_requests = list(visible_requests(access).filter(status__in=OPEN).order_by("-created_at", "-pk")[:5])
    audit.record_list(
        (audit.Line(access.patient.pk, obj=row, confidential=row.confidential) for row in open_requests),
        actor=actor,
        acting_as=access.acting_as,
        action=AuditEvent.Action.VIEW,
        scope=access.action,
    )
    return HomeCard("refills/patient/_home_card.html", {"requests": open_requests, "patient": access.patient})
