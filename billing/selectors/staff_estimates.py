"""Billing staff's list of Good Faith Estimates due at their organization, late ones first."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from billing.models import EstimateDue
from portal import audit
from portal.access import Action
from portal.models import AuditEvent, StaffMember, User


def estimates_due(*, staff: StaffMember, actor: User, now: datetime, limit: int = 200) -> list[EstimateDue]:
    """Promises not yet kept at the staff member's organization, by deadline (none last). One
    query and the audit."""
    dues = list(
        EstimateDue.objects.filter(organization=staff.organization, estimate__isnull=True)
        .select_related("patient", "visit_type", "appointment")
        .order_by(F("due_at").asc(nulls_last=True), "pk")[:limit]
    )
    audit.record_list(
        (audit.Line(patient_id=due.patient_id, obj=due) for due in dues),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    return dues
