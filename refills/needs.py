"""What the briefing lists under "What needs you" from refills (registered through
portal/briefing_needs.py): a medicine whose last supply sent through the portal runs out within a
week with nothing requested since, and a request the clinic answered with "needs a visit" or a
denial in the last two weeks. Two queries, for one patient."""

from __future__ import annotations

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
    needs: list[Need] = []
    requests = list(
        RefillRequest.objects.filter(patient_id=patient_id)
        .select_related("organization")
        .order_by("medication_key", "-created_at", "-pk")
    )
    newest: dict[str, RefillRequest] = {}
    for request in requests:
        newest.setdefault(request.medication_key, request)
    for request in newest.values():
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
