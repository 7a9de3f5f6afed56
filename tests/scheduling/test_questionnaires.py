"""Questionnaires: scoring and severity bands, the PHQ-9 item-9 alert, custom forms' required
fields, and results filed in the record as the patient's own answers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from messaging.factories import PoolFactory, RoutingRuleFactory
from messaging.models import Category, Pool, Thread
from portal.access import Action, resolve
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory
from portal.models import AuditEvent, Notice, StaffRole
from portal.services.errors import ServiceError
from records.models import RecordItem
from records.selectors.patient import visible_items
from scheduling.forms.patient_checkin import QuestionnaireForm
from scheduling.models import Questionnaire, QuestionnaireField, QuestionnaireResponse
from scheduling.questionnaires import GAD7, PHQ9
from scheduling.services import checkin
from scheduling.services.questionnaires import builtin_questionnaires
from tests.scheduling.checkin_fixtures import ask, booked_visit, phq9_answers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(score: int, band: str) -> None:
    assert PHQ9.band(score).key == band


@pytest.mark.parametrize(
    ("score", "band"), [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"), (21, "severe")]
)
def test_gad7_bands(score: int, band: str) -> None:
    assert GAD7.band(score).key == band


def test_instruments_have_their_published_shape() -> None:
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7
    assert PHQ9.items[8][0] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert all(english and spanish for english, spanish in PHQ9.items + GAD7.items)
    assert [value for value, _words in PHQ9.scale()] == [0, 1, 2, 3]
    assert PHQ9.score(dict.fromkeys(range(1, 10), 3)) == 27


def test_spanish_wording(settings) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("es"):
        assert PHQ9.questions()[0] == (1, "Poco interés o placer en hacer cosas")
        assert GAD7.scale()[0] == (0, "Nunca")


@pytest.fixture
def visit(db: None):  # type: ignore[no-untyped-def]
    patient = PatientFactory(birth_date=timezone.localdate() - timedelta(days=365 * 40))
    appointment = booked_visit(patient, timezone.now() + timedelta(days=1))
    ask(appointment.visit_type, "phq9", "gad7")
    return appointment


def _answer(appointment, key: str, answers: dict, user=None):  # type: ignore[no-untyped-def]
    user = user or appointment.patient.user
    access = resolve(user, appointment.patient, Action.SCHEDULING)
    assert access is not None
    questionnaire = next(q for q in builtin_questionnaires() if q.builtin == key)
    return checkin.answer(
        access=access, actor=user, appointment_id=appointment.pk, questionnaire_id=questionnaire.pk, answers=answers
    )


def test_scored_result_lands_in_the_record_as_the_patients_answer(visit) -> None:  # type: ignore[no-untyped-def]
    response = _answer(visit, "phq9", phq9_answers(item9=0, others=2))
    assert (response.score, response.severity, response.needs_safety_follow_up) == (16, "moderately_severe", False)
    item = response.record_item
    assert item is not None and item.kind == RecordItem.Kind.OBSERVATION
    assert (item.code_system, item.code, item.value_number) == ("http://loinc.org", "44261-6", Decimal(16))
    assert item.category == "survey" and "answered by the patient" in item.display
    assert item.record.raw["performer"] == [{"reference": f"Patient/{visit.patient.pk}"}]
    access = resolve(visit.patient.user, visit.patient, Action.RECORDS)
    assert list(visible_items(access).filter(code="44261-6")) == [item]
    assert Thread.objects.count() == 0
    assert AuditEvent.objects.filter(
        object_type="scheduling.QuestionnaireResponse", object_id=str(response.pk)
    ).exists()


def test_gad7_total_uses_its_loinc_code(visit) -> None:  # type: ignore[no-untyped-def]
    response = _answer(visit, "gad7", {str(n): 3 for n in range(1, 8)})
    assert (response.score, response.severity, response.record_item.code) == (21, "severe", "70274-6")


def test_item_nine_alerts_nurse_triage_at_once(visit) -> None:  # type: ignore[no-untyped-def]
    organization = visit.organization
    nurse = StaffMemberFactory(organization=organization, role=StaffRole.NURSE)
    triage = PoolFactory(organization=organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE)
    triage.members.add(nurse)
    RoutingRuleFactory(organization=organization, category=Category.NEW_SYMPTOM, pool=triage)

    response = _answer(visit, "phq9", phq9_answers(item9=1, others=0))

    assert response.needs_safety_follow_up and response.score == 1
    thread = response.alert_thread
    assert thread is not None
    assert (thread.urgency, thread.pool, thread.owner, thread.safety_flags) == (
        Thread.Urgency.URGENT,
        triage,
        nurse,
        ["suicide"],
    )
    assert "Several days" in thread.messages.get().body
    assert Notice.objects.filter(user=nurse.user, target_id=thread.pk).exists()
    assert AuditEvent.objects.filter(object_type="messaging.Thread", object_id=str(thread.pk)).exists()


def test_item_nine_at_zero_raises_nothing_even_with_a_high_total(visit) -> None:  # type: ignore[no-untyped-def]
    response = _answer(visit, "phq9", phq9_answers(item9=0, others=3))
    assert response.score == 24 and not response.needs_safety_follow_up and response.alert_thread is None


def test_missing_or_out_of_range_item_is_refused(visit) -> None:  # type: ignore[no-untyped-def]
    answers = phq9_answers()
    answers["9"] = 4
    with pytest.raises(ServiceError) as refused:
        _answer(visit, "phq9", answers)
    assert refused.value.field == "item_9"
    del answers["9"]
    with pytest.raises(ServiceError):
        _answer(visit, "phq9", answers)
    assert QuestionnaireResponse.objects.count() == 0 and RecordItem.objects.count() == 0


def test_answers_are_sent_once(visit) -> None:  # type: ignore[no-untyped-def]
    _answer(visit, "gad7", {str(n): 0 for n in range(1, 8)})
    with pytest.raises(ServiceError, match="already sent"):
        _answer(visit, "gad7", {str(n): 0 for n in range(1, 8)})


def test_questionnaire_not_asked_by_the_visit_type_is_refused(visit) -> None:  # type: ignore[no-untyped-def]
    other = Questionnaire.objects.create(name="Travel history")
    access = resolve(visit.patient.user, visit.patient, Action.SCHEDULING)
    with pytest.raises(ServiceError):
        checkin.answer(
            access=access, actor=visit.patient.user, appointment_id=visit.pk, questionnaire_id=other.pk, answers={}
        )


def test_teenagers_result_is_hidden_from_caregivers() -> None:
    teen = PatientFactory(birth_date=timezone.localdate() - timedelta(days=365 * 15 + 10))
    appointment = booked_visit(teen, timezone.now() + timedelta(days=1))
    ask(appointment.visit_type, "gad7")
    response = _answer(appointment, "gad7", {str(n): 1 for n in range(1, 8)})
    assert response.record_item.confidential
    parent = ProxyGrantFactory(patient=teen, scopes=["records"]).grantee
    assert not visible_items(resolve(parent, teen, Action.RECORDS)).filter(code="70274-6").exists()


@pytest.fixture
def custom(visit):  # type: ignore[no-untyped-def]
    form = Questionnaire.objects.create(organization=visit.organization, name="Before your physical")
    fields = {
        "smoke": QuestionnaireField.objects.create(
            questionnaire=form, label="Do you smoke?", kind="yes_no", required=True
        ),
        "weight": QuestionnaireField.objects.create(questionnaire=form, label="Weight in pounds", kind="number"),
        "goal": QuestionnaireField.objects.create(
            questionnaire=form, label="Main goal", kind="choice", choices="Sleep better\nMove more", required=True
        ),
        "notes": QuestionnaireField.objects.create(questionnaire=form, label="Anything else?", kind="text"),
    }
    from scheduling.models import VisitTypeQuestionnaire

    VisitTypeQuestionnaire.objects.create(visit_type=visit.visit_type, questionnaire=form, position=5)
    return form, fields


def test_custom_form_requires_its_required_fields_and_keeps_input(custom) -> None:  # type: ignore[no-untyped-def]
    questionnaire, fields = custom
    data = {f"field_{fields['weight'].pk}": "182", f"field_{fields['notes'].pk}": "My knee hurts"}
    form = QuestionnaireForm(data, questionnaire=questionnaire)
    assert not form.is_valid()
    assert set(form.errors) == {f"field_{fields['smoke'].pk}", f"field_{fields['goal'].pk}"}
    assert form.errors[f"field_{fields['smoke'].pk}"] == ["Answer this question."]
    assert form[f"field_{fields['notes'].pk}"].value() == "My knee hurts"
    assert "(required)" in form.fields[f"field_{fields['smoke'].pk}"].label


def test_custom_form_answers_are_stored_without_a_score(custom, visit) -> None:  # type: ignore[no-untyped-def]
    questionnaire, fields = custom
    data = {
        f"field_{fields['smoke'].pk}": "no",
        f"field_{fields['goal'].pk}": "Move more",
        f"field_{fields['weight'].pk}": "182.5",
    }
    form = QuestionnaireForm(data, questionnaire=questionnaire)
    assert form.is_valid(), form.errors
    access = resolve(visit.patient.user, visit.patient, Action.SCHEDULING)
    response = checkin.answer(
        access=access,
        actor=visit.patient.user,
        appointment_id=visit.pk,
        questionnaire_id=questionnaire.pk,
        answers=form.answers(),
    )
    assert response.answers == {
        str(fields["smoke"].pk): "no",
        str(fields["goal"].pk): "Move more",
        str(fields["weight"].pk): "182.5",
    }
    assert response.score is None and response.record_item is None


def test_choice_not_in_the_list_is_refused(custom) -> None:  # type: ignore[no-untyped-def]
    questionnaire, fields = custom
    form = QuestionnaireForm(
        {f"field_{fields['smoke'].pk}": "maybe", f"field_{fields['goal'].pk}": "Fly"}, questionnaire=questionnaire
    )
    assert not form.is_valid() and len(form.errors) == 2


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    from portal.factories import UserFactory
    from tests.conftest import sign_in

    return sign_in(client, UserFactory(is_staff=True, is_superuser=True), second_factor=True)


def test_administrator_writes_a_custom_form_in_the_admin(admin_client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    prefix = "fields"
    data = {
        "name": "Before your physical",
        "name_es": "",
        "intro": "",
        "intro_es": "",
        "is_active": "on",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-position": "1",
        f"{prefix}-0-label": "Do you smoke?",
        f"{prefix}-0-kind": "yes_no",
        f"{prefix}-0-required": "on",
        f"{prefix}-1-position": "2",
        f"{prefix}-1-label": "Main goal",
        f"{prefix}-1-kind": "choice",
        f"{prefix}-1-choices": "",
    }
    url = reverse("admin:scheduling_questionnaire_add")
    refused = admin_client.post(url, data)
    # A choice question without choices is refused with words, and what was typed stays.
    assert refused.status_code == 200 and not Questionnaire.objects.filter(name="Before your physical").exists()
    page = refused.content.decode()
    assert "needs its choices, one per line" in page and 'value="Do you smoke?"' in page
    data[f"{prefix}-1-choices"] = "Sleep better\nMove more"
    assert admin_client.post(url, data).status_code == 302
    form = Questionnaire.objects.get(name="Before your physical")
    assert [(f.label, f.kind, f.required) for f in form.fields.all()] == [
        ("Do you smoke?", "yes_no", True),
        ("Main goal", "choice", False),
    ]


def test_builtin_questions_are_not_editable_in_the_admin(admin_client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    phq9 = builtin_questionnaires()[0]
    page = admin_client.get(reverse("admin:scheduling_questionnaire_change", args=[phq9.pk])).content.decode()
    assert "fields-TOTAL_FORMS" not in page
    assert admin_client.get(reverse("admin:scheduling_visittypequestionnaire_add")).status_code == 200
