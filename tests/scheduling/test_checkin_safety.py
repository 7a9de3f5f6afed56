"""The safety screen on the check-in's free text (medicines and allergies, custom questionnaire
answers): refused with the emergency guidance until confirmed; confirmed, the words are saved and
an urgent thread puts them in front of nurse triage now (they used to wait for the visit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import safety
from messaging.factories import PoolFactory, RoutingRuleFactory
from messaging.models import Category, Pool, Thread
from portal.access import Access, Action, resolve
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffMember, StaffRole
from records.models import CareTask
from scheduling.models import (
    Appointment,
    Questionnaire,
    QuestionnaireField,
    QuestionnaireResponse,
    VisitTypeQuestionnaire,
)
from scheduling.services import checkin
from tests.conftest import sign_in
from tests.scheduling.checkin_fixtures import booked_visit

pytestmark = pytest.mark.django_db

WORDS = "Since this morning I have chest pain going down my arm"


@pytest.fixture
def visit() -> Appointment:
    patient = PatientFactory()
    return booked_visit(patient, timezone.now() + timedelta(days=1))


@pytest.fixture
def nurse(visit: Appointment) -> StaffMember:
    """A nurse triage pool with one nurse, and a medical assistant at the front desk for new symptoms:
    a flagged thread must still reach the nurse."""
    organization = visit.organization
    nurse = StaffMemberFactory(organization=organization, role=StaffRole.NURSE)
    PoolFactory(organization=organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE, members=[nurse])
    assistant = StaffMemberFactory(organization=organization, role=StaffRole.MEDICAL_ASSISTANT)
    desk = PoolFactory(organization=organization, name="Front desk", kind=Pool.Kind.FRONT_DESK, members=[assistant])
    RoutingRuleFactory(organization=organization, category=Category.NEW_SYMPTOM, pool=desk)
    return nurse


@pytest.fixture
def notes(visit: Appointment) -> tuple[Questionnaire, QuestionnaireField]:
    form = Questionnaire.objects.create(organization=visit.organization, name="Before your visit")
    field = QuestionnaireField.objects.create(questionnaire=form, label="Anything else?", kind="text")
    VisitTypeQuestionnaire.objects.create(visit_type=visit.visit_type, questionnaire=form, position=1)
    return form, field


def _access(visit: Appointment) -> Access:
    access = resolve(visit.patient.user, visit.patient, Action.SCHEDULING)
    assert access is not None
    return access


def _url(name: str, visit: Appointment, **kwargs: int) -> str:
    return reverse(name, kwargs={"patient_id": visit.patient.pk, "appointment_id": visit.pk, **kwargs})


# -- medicines and allergies ------------------------------------------------------------------------------------


def test_medicine_words_with_red_flags_are_refused_until_confirmed(visit: Appointment, nurse: StaffMember) -> None:
    common = {"access": _access(visit), "actor": visit.patient.user, "appointment_id": visit.pk, "changes": {}}

    with pytest.raises(safety.Unconfirmed) as refused:
        checkin.medicines_review(**common, new_medicines=WORDS)

    assert refused.value.flags == ["chest_pain"]
    assert (CareTask.objects.count(), Thread.objects.count()) == (0, 0)

    tasks = checkin.medicines_review(**common, new_medicines=WORDS, confirmed_flags=["chest_pain"])

    thread = Thread.objects.get()
    assert len(tasks) == 1
    assert (thread.urgency, thread.safety_flags, thread.owner, thread.category) == (
        Thread.Urgency.URGENT,
        ["chest_pain"],
        nurse,
        Category.NEW_SYMPTOM,
    )
    assert WORDS in thread.messages.get().body


def test_the_medicines_page_shows_the_guidance_and_sends_anyway(client, visit: Appointment, nurse: StaffMember) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, visit.patient.user)

    shown = client.post(_url("checkin_medicines", visit), {"new_allergies": "My throat is swelling"})

    page = shown.content.decode()
    assert shown.status_code == 200
    assert "This may be an emergency" in page and 'href="tel:911"' in page
    assert 'name="screened" value="anaphylaxis"' in page and "My throat is swelling" in page
    assert (CareTask.objects.count(), Thread.objects.count()) == (0, 0)

    sent = client.post(
        _url("checkin_medicines", visit),
        {"new_allergies": "My throat is swelling", "send_anyway": "1", "screened": "anaphylaxis"},
    )

    assert sent["Location"] == _url("checkin", visit)
    assert (CareTask.objects.count(), Thread.objects.get().safety_flags) == (1, ["anaphylaxis"])


# -- questionnaire comments -------------------------------------------------------------------------------------


def test_a_questionnaire_comment_with_red_flags_is_refused_until_confirmed(
    visit: Appointment, nurse: StaffMember, notes: tuple[Questionnaire, QuestionnaireField]
) -> None:
    form, field = notes
    common = {
        "access": _access(visit),
        "actor": visit.patient.user,
        "appointment_id": visit.pk,
        "questionnaire_id": form.pk,
        "answers": {str(field.pk): "Lately I want to die"},
    }

    with pytest.raises(safety.Unconfirmed) as refused:
        checkin.answer(**common)

    assert refused.value.flags == ["suicide"]
    assert (QuestionnaireResponse.objects.count(), Thread.objects.count()) == (0, 0)

    response = checkin.answer(**common, confirmed_flags=["suicide"])

    thread = Thread.objects.get()
    assert (thread.urgency, thread.safety_flags, thread.owner) == (Thread.Urgency.URGENT, ["suicide"], nurse)
    assert 'Anything else?: "Lately I want to die"' in thread.messages.get().body
    assert response.answers == {str(field.pk): "Lately I want to die"}


def test_the_questionnaire_page_shows_the_guidance_first(
    client, visit: Appointment, nurse: StaffMember, notes: tuple[Questionnaire, QuestionnaireField]
) -> None:  # type: ignore[no-untyped-def]
    form, field = notes
    sign_in(client, visit.patient.user)
    url = _url("checkin_questionnaire", visit, questionnaire_id=form.pk)

    shown = client.post(url, {f"field_{field.pk}": "Quiero morir"})

    page = shown.content.decode()
    assert shown.status_code == 200
    assert 'href="tel:988"' in page and 'name="screened" value="suicide"' in page
    assert QuestionnaireResponse.objects.count() == 0

    client.post(url, {f"field_{field.pk}": "Quiero morir", "send_anyway": "1", "screened": "suicide"})

    assert QuestionnaireResponse.objects.count() == 1
    assert Thread.objects.get().safety_flags == ["suicide"]


def test_choices_are_not_screened_only_the_patients_own_words(
    visit: Appointment, nurse: StaffMember, notes: tuple[Questionnaire, QuestionnaireField]
) -> None:
    form, _field = notes
    choice = QuestionnaireField.objects.create(
        questionnaire=form, label="Reason", kind="choice", choices="Chest pain follow-up\nOther"
    )

    checkin.answer(
        access=_access(visit),
        actor=visit.patient.user,
        appointment_id=visit.pk,
        questionnaire_id=form.pk,
        answers={str(choice.pk): "Chest pain follow-up"},
    )

    assert Thread.objects.count() == 0
