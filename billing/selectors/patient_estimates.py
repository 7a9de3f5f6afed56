"""The patient's Good Faith Estimates (and the ones promised, not yet issued), each read audited."""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import EstimateDue, GoodFaithEstimate, PriceListItem
from billing.services.estimates import requestable_items
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User


@dataclass
class EstimatesPage:
    estimates: list[GoodFaithEstimate]
    waiting: list[EstimateDue]
    items: list[PriceListItem]
    superseded: set[int]


def estimates_page(*, access: Access, actor: User | None) -> EstimatesPage:
    """Issued estimates (newest first, superseded ones marked), promises still open, and the priced
    visits one may ask about. Four queries and the audit."""
    access.require(Action.BILLING, patient_side=True)
    estimates = list(
        GoodFaithEstimate.objects.filter(patient=access.patient)
        .select_related("organization")
        .order_by("-issued_at", "-pk")
    )
    waiting = list(
        EstimateDue.objects.filter(patient=access.patient, estimate__isnull=True)
        .select_related("visit_type")
        .order_by("requested_at")
    )
    audit.record_list(
        (audit.Line(patient_id=access.patient.pk, obj=obj) for obj in [*estimates, *waiting]),
        actor=actor,
        acting_as=access.acting_as,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    superseded = {estimate.supersedes_id for estimate in estimates if estimate.supersedes_id}
    return EstimatesPage(
        estimates=estimates, waiting=waiting, items=requestable_items(access.patient), superseded=superseded
    )


def estimate_detail(
    *, access: Access, actor: User | None, estimate_id: int, action: str = AuditEvent.Action.VIEW
) -> GoodFaithEstimate | None:
    access.require(Action.BILLING, patient_side=True)
    estimate = (
        GoodFaithEstimate.objects.select_related("organization").filter(pk=estimate_id, patient=access.patient).first()
    )
    if estimate is not None:
        audit.record_access(access, actor=actor, action=action, obj=estimate)
    return estimate
