"""The Appointments card on the patient's home page: the next visit (two queries: it and its audit)."""

from __future__ import annotations

from datetime import datetime

from portal import audit
from portal.access import Access
from portal.home_cards import HomeCard
from portal.models import AuditEvent, User
from scheduling.models import Appointment

UPCOMING = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)


def next_visit_card(*, access: Access, actor: User, now: datetime) -> HomeCard:
    visit = (
        Appointment.objects.filter(patient=access.patient, status__in=UPCOMING, during__endswith__gt=now)
        .select_related("visit_type__organization", "provider__user", "location")
        .order_by("during")
        .first()
    )
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.VIEW, object_type="scheduling.HomeCard", obj=visit
    )
    return HomeCard("scheduling/patient/_home_card.html", {"visit": visit, "patient": access.patient})
