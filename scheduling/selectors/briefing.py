"""What the patient's briefing reads from scheduling, for one patient, in a constant number of
queries: upcoming visits with their check-in state and the questionnaires still to fill. Not
audited here: the briefing is built by a worker and audited when someone reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from scheduling.models import Appointment, QuestionnaireResponse, VisitTypeQuestionnaire
from scheduling.services.checkin import window

PatientId = UUID | str
UPCOMING = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)


@dataclass(frozen=True)
class Upcoming:
    appointment: Appointment
    check_in: str  # scheduling.services.checkin.Window: early, open, done, closed
    questionnaires_to_fill: int


def upcoming_visits(patient_id: PatientId, *, now: datetime, limit: int = 5) -> list[Upcoming]:
    """The patient's next visits, soonest first, each with its check-in window and how many of
    its visit type's questionnaires have no answer yet. One query."""
    asked = (
        VisitTypeQuestionnaire.objects.filter(visit_type_id=OuterRef("visit_type_id"))
        .values("visit_type_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    answered = (
        QuestionnaireResponse.objects.filter(appointment_id=OuterRef("pk"))
        .values("appointment_id")
        .annotate(n=Count("questionnaire_id", distinct=True))
        .values("n")
    )
    visits = list(
        Appointment.objects.filter(patient_id=patient_id, status__in=UPCOMING, during__endswith__gt=now)
        .select_related("visit_type", "location", "organization", "provider__user")
        .annotate(asked=Coalesce(Subquery(asked), 0), answered=Coalesce(Subquery(answered), 0))
        .order_by("during")[:limit]
    )
    return [Upcoming(visit, window(visit, now), max(visit.asked - visit.answered, 0)) for visit in visits]


def watermark(patient_id: PatientId) -> dict[str, Any]:
    """Scheduling's side of the briefing's inputs watermark (one query)."""
    row = Appointment.objects.filter(patient_id=patient_id).aggregate(
        n=Count("pk", distinct=True),
        # Postgres' GREATEST skips nulls: the latest of anything that happened to a visit.
        newest=Max(Greatest("cancelled_at", "checked_in_at", "booked_at", "created_at")),
        answered=Count("responses", distinct=True),
    )
    return {
        "visits": row["n"],
        "visits_newest": row["newest"].isoformat() if row["newest"] else None,
        "answers": row["answered"],
    }
