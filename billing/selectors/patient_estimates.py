"""The patient's Good Faith Estimates (and the ones promised, not yet issued), each read audited."""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import EstimateDue, GoodFaithEstimate, PriceListItem
from billing.services.estimates import requestable_items
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from records.selectors import claims as claims_selector


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
    if access.hides_confidential:
        estimates = [estimate for estimate in estimates if not confidential_estimate(estimate)]
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
    if estimate is not None and access.hides_confidential and confidential_estimate(estimate):
        return None
    if estimate is not None:
        audit.record_access(access, actor=actor, action=action, obj=estimate)
    return estimate


ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"


def confidential_estimate(estimate: GoodFaithEstimate) -> bool:
    """An estimate for care a minor consents to alone (by its diagnosis codes): a teenager's
    caregiver never sees it, as with her confidential charges (billing/confidential.py)."""
    items = [*(estimate.content or {}).get("items", []), *(estimate.content or {}).get("scheduled_separately", [])]
    return any(
        claims_selector.sensitive_coding(ICD10_CM, str(code))
        for item in items
        if isinstance(item, dict)
        for code in item.get("diagnosis_codes") or []
    )
