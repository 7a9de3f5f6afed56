"""A 12-17-year-old's PHQ-9 and GAD-7 at check-in are hers: her parent (a caregiver with the
scheduling and messaging scopes) finds no line for them on the check-in page, no answered page,
cannot answer them for her, and never sees the urgent thread item 9 opens. She and her nurse see
everything. Each attack here once worked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.factories import PoolFactory, RoutingRuleFactory
from messaging.models import Category, Pool
from portal.access import Action, resolve
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory, born_years_ago
from portal.models import Scope, StaffMember, StaffRole, User
from scheduling.models import Appointment, Questionnaire
from scheduling.services import checkin
from tests.conftest import sign_in
from tests.scheduling.checkin_fixtures import ask, booked_visit, phq9_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit() -> Appointment:
    patient = PatientFactory(birth_date=born_years_ago(15))
    # The pages take the wall clock: the visit must be inside the check-in window today.
    return booked_visit(patient, timezone.now() + timedelta(days=1))


@pytest.fixture
def dad(visit: Appointment) -> User:
    grant = ProxyGrantFactory(patient=visit.patient, scopes=[Scope.MESSAGING, Scope.SCHEDULING], is_guardian=True)
    return grant.grantee


def _url(name: str, visit: Appointment, **kwargs: int) -> str:
    return reverse(name, kwargs={"patient_id": visit.patient.pk, "appointment_id": visit.pk, **kwargs})


def _answered_by_her(visit: Appointment) -> tuple[Questionnaire, Questionnaire, StaffMember]:
    organization = visit.organization
    nurse = StaffMemberFactory(organization=organization, role=StaffRole.NURSE)
    triage = PoolFactory(organization=organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE)
    triage.members.add(nurse)
    RoutingRuleFactory(organization=organization, category=Category.NEW_SYMPTOM, pool=triage)
    phq9, gad7 = ask(visit.visit_type, "phq9", "gad7")
    user = visit.patient.user
    access = resolve(user, visit.patient, Action.SCHEDULING)
    assert access is not None
    common = {"access": access, "actor": user, "appointment_id": visit.pk}
    checkin.answer(**common, questionnaire_id=phq9.pk, answers=phq9_answers(item9=3, others=2))
    checkin.answer(**common, questionnaire_id=gad7.pk, answers={str(n): 2 for n in range(1, 8)})
    return phq9, gad7, nurse


def test_the_parent_finds_no_trace_of_her_questionnaires(visit: Appointment, dad: User) -> None:
    phq9, gad7, _nurse = _answered_by_her(visit)
    parent = sign_in(Client(), dad)

    overview = parent.get(_url("checkin", visit))
    assert overview.status_code == 200
    page = overview.content.decode()
    assert "PHQ-9" not in page and "GAD-7" not in page
    for questionnaire in (phq9, gad7):
        answered = _url("checkin_answered", visit, questionnaire_id=questionnaire.pk)
        assert parent.get(answered).status_code == 404
        form = _url("checkin_questionnaire", visit, questionnaire_id=questionnaire.pk)
        assert parent.get(form).status_code == 404


def test_the_parent_cannot_answer_them_for_her(visit: Appointment, dad: User) -> None:
    [gad7] = ask(visit.visit_type, "gad7")
    access = resolve(dad, visit.patient, Action.SCHEDULING)
    assert access is not None
    with pytest.raises(Http404):
        checkin.answer(
            access=access,
            actor=dad,
            appointment_id=visit.pk,
            questionnaire_id=gad7.pk,
            answers={str(n): 0 for n in range(1, 8)},
        )


def test_the_item_nine_thread_is_hidden_from_the_parent(visit: Appointment, dad: User) -> None:
    _answered_by_her(visit)
    parent = sign_in(Client(), dad)

    listing = parent.get(f"/api/v1/patients/{visit.patient.pk}/threads/")
    assert listing.status_code == 200 and listing.json()["results"] == []
    page = parent.get(reverse("messages_home", kwargs={"patient_id": visit.patient.pk})).content.decode()
    assert "Check-in answer needs a call today" not in page


def test_she_and_her_nurse_still_see_everything(visit: Appointment, dad: User) -> None:
    phq9, _gad7, nurse = _answered_by_her(visit)
    own = sign_in(Client(), visit.patient.user)

    page = own.get(_url("checkin", visit)).content.decode()
    assert "PHQ-9" in page and "GAD-7" in page
    answered = own.get(_url("checkin_answered", visit, questionnaire_id=phq9.pk))
    assert answered.status_code == 200 and "tel:988" in answered.content.decode()
    [row] = own.get(f"/api/v1/patients/{visit.patient.pk}/threads/").json()["results"]

    staff = sign_in(Client(), nurse.user, second_factor=True)
    thread = staff.get(reverse("staff_thread", kwargs={"thread_id": row["id"]}))
    assert thread.status_code == 200 and "PHQ-9 question 9" in thread.content.decode()


def test_an_adults_caregiver_still_helps_with_them() -> None:
    adult = PatientFactory(birth_date=born_years_ago(70))
    visit = booked_visit(adult, timezone.now() + timedelta(days=1))
    ask(visit.visit_type, "phq9")
    daughter = ProxyGrantFactory(patient=adult, scopes=[Scope.SCHEDULING]).grantee

    page = sign_in(Client(), daughter).get(_url("checkin", visit)).content.decode()

    assert "PHQ-9" in page
