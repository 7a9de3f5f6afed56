"""What the briefing lists under "What needs you" from refills (registered through
portal/briefing_needs.py): a medicine whose last supply sent through the portal runs out within a
week with nothing requested since, and a request the clinic answered with "needs a visit" or a
denial in the last two weeks. One query, for one patient or a batch of patients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.utils import timezone

from portal.briefing_needs import Need, Source
from refills.models import RefillRequest

Status = RefillRequest.Status
RUNNING_OUT = timedelta(days=7)
ANSWER_SHOWN = timedelta(days=14)


def refill_needs(patient_id: UUID | str, *, now: datetime) -> list[Need]:
    return refill_needs_many([str(patient_id)], now=now)[str(patient_id)]


def refill_needs_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    """`refill_needs` for every patient of a batch (one query)."""
    requests = (
        RefillRequest.objects.filter(patient_id__in=list(patient_ids))
        .select_related("organization")
        .order_by("patient_id", "medication_key", "-created_at", "-pk")
    )
    newest: dict[str, dict[str, RefillRequest]] = {str(patient_id): {} for patient_id in patient_ids}
    for request in requests:
        newest[str(request.patient_id)].setdefault(request.medication_key, request)
    return {patient_id: _needs(list(latest.values()), now) for patient_id, latest in newest.items()}


def _needs(newest: list[RefillRequest], now: datetime) -> list[Need]:
    """The needs of one patient's newest request per medicine."""
    needs: list[Need] = []
    for request in newest:
        source = Source("refills.RefillRequest", request.pk, "refills_request", {"request_id": request.pk})
        organizations = (request.organization.name,)
        zone = ZoneInfo(request.organization.time_zone)
        today = timezone.localdate(now, zone)
        if request.status == Status.SENT and request.decided_at is not None:
            runs_out = timezone.localdate(request.decided_at, zone) + timedelta(
                days=request.approved_days_supply or request.days_supply
            )
            if today <= runs_out <= today + RUNNING_OUT:
                needs.append(
                    Need(
                        key="refill_running_out",
                        params={"name": request.medication_name, "count": (runs_out - today).days},
                        on=runs_out,
                        rank=25,
                        source=source,
                        scope="refills",
                        organizations=organizations,
                        confidential=request.confidential,
                    )
                )
        elif (
            request.status in (Status.NEEDS_VISIT, Status.DENIED)
            and request.decided_at is not None
            and now - request.decided_at <= ANSWER_SHOWN
        ):
            key = "refill_needs_visit" if request.status == Status.NEEDS_VISIT else "refill_denied"
            needs.append(
                Need(
                    key=key,
                    params={"name": request.medication_name},
                    on=request.decided_at,
                    rank=20,
                    source=source,
                    scope="refills",
                    organizations=organizations,
                    confidential=request.confidential,
                )
            )
    return needs
