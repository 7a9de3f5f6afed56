"""A booked visit ready for eCheck-in, and the built-in questionnaires attached to its visit type."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from portal.models import Patient
from scheduling.factories import LocationFactory, ProviderFactory, VisitTypeFactory
from scheduling.models import Appointment, Questionnaire, VisitType, VisitTypeQuestionnaire
from scheduling.services.questionnaires import builtin_questionnaires


def booked_visit(patient: Patient, starts_at: datetime, visit_type: VisitType | None = None) -> Appointment:
    """A booked appointment written directly (booking's own rules are tested in test_booking)."""
    organization = patient.home_organization
    visit_type = visit_type or VisitTypeFactory(organization=organization, name="Follow-up visit")
    return Appointment.objects.create(
        organization=organization,
        patient=patient,
        provider=ProviderFactory(organization=organization, user__full_name="Grace Kim"),
        location=LocationFactory(organization=organization, name="Lakeside main clinic"),
        visit_type=visit_type,
        during=DateTimeTZRange(starts_at, starts_at + timedelta(minutes=30)),
        status=Appointment.Status.BOOKED,
        source=Appointment.Source.SELF,
        booked_at=starts_at - timedelta(days=10),
    )


def ask(visit_type: VisitType, *keys: str) -> list[Questionnaire]:
    """Attach built-in questionnaires ("phq9", "gad7") to a visit type, in that order."""
    # Made again if missing: a test that flushes every table (transactional_db) removes the rows
    # migration 0003 made.
    builtins = {questionnaire.builtin: questionnaire for questionnaire in builtin_questionnaires()}
    chosen = [builtins[key] for key in keys]
    for position, questionnaire in enumerate(chosen):
        VisitTypeQuestionnaire.objects.create(visit_type=visit_type, questionnaire=questionnaire, position=position)
    return chosen


def phq9_answers(item9: int = 0, others: int = 1) -> dict[str, int]:
    return {**{str(n): others for n in range(1, 9)}, "9": item9}
