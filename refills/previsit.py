"""The pre-visit briefing's "Refill requests" section (registered through portal/previsit_items.py):
the patient's open refill and renewal requests as of the visit's build, so the clinician can settle
them at the visit. One query, for one patient; the briefing's reader audits what it shows."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from portal.briefing_needs import Need, Source
from refills.models import OPEN, RefillRequest

Status = RefillRequest.Status
# The phrase each open request reads as (summaries/services/phrases.py), by kind and status.
WAITING = {RefillRequest.Kind.REFILL: "refill_request_waiting", RefillRequest.Kind.RENEWAL: "renewal_request_waiting"}
APPROVED = "refill_request_approved"
PHARMACY = "renewal_request_pharmacy"


def open_refill_requests(patient_id: UUID | str, *, now: datetime) -> list[Need]:
    """Every open request (waiting for a decision first, oldest first; then approved ones not yet
    sent to the pharmacy)."""
    rows = (
        RefillRequest.objects.filter(patient_id=patient_id, status__in=OPEN, created_at__lte=now)
        .select_related("organization", "pharmacy")
        .order_by("created_at", "pk")
    )
    needs = []
    for request in rows:
        approved = request.status in (Status.APPROVED, Status.APPROVED_WITH_CHANGES)
        if approved:
            key = APPROVED
        elif request.pharmacy_client_id is not None:
            key = PHARMACY
        else:
            key = WAITING[RefillRequest.Kind(request.kind)]
        needs.append(
            Need(
                key=key,
                params={
                    "name": request.medication_name,
                    "days": request.approved_days_supply or request.days_supply,
                    "pharmacy": request.pharmacy.name,
                },
                source=Source(
                    "refills.RefillRequest",
                    request.pk,
                    "refills_request",
                    {"request_id": request.pk},
                    # The clinician reads it where the refill is decided, not on the patient's page.
                    staff_url="staff_refills_request",
                    staff_kwargs={"request_id": request.pk},
                ),
                scope="refills",
                organizations=(request.organization.name,),
                on=request.created_at,
                confidential=request.confidential,
                rank=40 if approved else 30,
            )
        )
    return sorted(needs, key=lambda need: need.rank)
