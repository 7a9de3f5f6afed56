"""What the patient's briefing reads from scheduling, for one patient or a batch of patients, in a
constant number of queries: upcoming visits with their check-in state and the questionnaires still to fill. Not
audited here: the briefing is built by a worker and audited when someone reads it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from scheduling.models import Appointment, AppointmentRequest, QuestionnaireResponse, VisitTypeQuestionnaire
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
    return upcoming_visits_many([str(patient_id)], now=now, limit=limit)[str(patient_id)]


def upcoming_visits_many(patient_ids: Collection[str], *, now: datetime, limit: int = 5) -> dict[str, list[Upcoming]]:
    """`upcoming_visits` for every patient of a batch (one query; a patient has few upcoming
    visits, so each list is cut to `limit` here rather than in SQL)."""
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
    visits = (
        Appointment.objects.filter(patient_id__in=list(patient_ids), status__in=UPCOMING, during__endswith__gt=now)
        .select_related("visit_type", "location", "organization", "provider__user")
        .annotate(asked=Coalesce(Subquery(asked), 0), answered=Coalesce(Subquery(answered), 0))
        .order_by("during", "pk")
    )
    found: dict[str, list[Upcoming]] = {str(patient_id): [] for patient_id in patient_ids}
    for visit in visits:
        upcoming = found[str(visit.patient_id)]
        if len(upcoming) < limit:
            upcoming.append(Upcoming(visit, window(visit, now), max(visit.asked - visit.answered, 0)))
    return found


# -- the clinician's pre-visit briefing -----------------------------------------------------------------
# Visits a pre-visit briefing is prepared for: booked, or the patient is already here.
PREPARED = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)
# Visits that took place (for "since the last visit here").
HELD = (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED)


def visit_for_previsit(appointment_id: int) -> Appointment | None:
    """One visit with what its briefing names (type, provider, place, clinic), and the patient's
    own words of the requests about it in `.notes` (two queries)."""
    visit = (
        Appointment.objects.select_related("visit_type", "location", "organization", "provider__user", "patient")
        .filter(pk=appointment_id)
        .first()
    )
    if visit is None:
        return None
    visit.notes = list(  # type: ignore[attr-defined]
        AppointmentRequest.objects.filter(appointment=visit)
        .exclude(note="")
        .order_by("created_at", "pk")
        .values_list("note", flat=True)
    )
    return visit


def last_visit_here(patient_id: PatientId, *, organization_id: int, before: datetime) -> datetime | None:
    """When the patient's last visit at this clinic that took place began, before `before` (one query)."""
    return Appointment.objects.filter(
        patient_id=patient_id, organization_id=organization_id, status__in=HELD, during__startswith__lt=before
    ).aggregate(last=Max("during__startswith"))["last"]


def check_in_answers(appointment_id: int) -> list[QuestionnaireResponse]:
    """The questionnaires answered at this visit's check-in, with their questionnaire (one query)."""
    return list(
        QuestionnaireResponse.objects.filter(appointment_id=appointment_id)
        .select_related("questionnaire")
        .order_by("submitted_at", "pk")
    )


def visits_to_prepare(*, starting_from: datetime, starting_before: datetime) -> list[tuple[int, int, datetime]]:
    """(appointment id, organization id, start) of every booked visit starting in this window (one query)."""
    rows = (
        Appointment.objects.filter(
            status__in=PREPARED, during__startswith__gte=starting_from, during__startswith__lt=starting_before
        )
        .order_by("during", "pk")
        .values_list("pk", "organization_id", "during")
    )
    return [(pk, organization_id, during.lower) for pk, organization_id, during in rows]


def upcoming_visit_ids(patient_id: PatientId, *, now: datetime, limit: int = 10) -> list[int]:
    """The patient's next booked visits, soonest first (one query)."""
    return list(
        Appointment.objects.filter(patient_id=patient_id, status__in=PREPARED, during__endswith__gt=now)
        .order_by("during", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def watermark(patient_id: PatientId) -> dict[str, Any]:
    """Scheduling's side of the briefing's inputs watermark (one query)."""
    return watermark_many([str(patient_id)])[str(patient_id)]


def watermark_many(patient_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """`watermark` for every patient of a batch (one query)."""
    rows = (
        Appointment.objects.filter(patient_id__in=list(patient_ids))
        .order_by()
        .values("patient_id")
        .annotate(
            n=Count("pk", distinct=True),
            # Postgres' GREATEST skips nulls: the latest of anything that happened to a visit.
            newest=Max(Greatest("cancelled_at", "checked_in_at", "booked_at", "created_at")),
            answered=Count("responses", distinct=True),
        )
    )
    found = {str(patient_id): {"visits": 0, "visits_newest": None, "answers": 0} for patient_id in patient_ids}
    for row in rows:
        found[str(row["patient_id"])] = {
            "visits": row["n"],
            "visits_newest": row["newest"].isoformat() if row["newest"] else None,
            "answers": row["answered"],
        }
    return found
