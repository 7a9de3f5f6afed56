"""eCheck-in: the window (3 days before until the start), contact changes applied and audited,
insurance, medicine and allergy changes sent to staff for review (never into the record), the
questionnaires, the checked-in state, and the pages (forms keep input on error)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.access import Action, resolve
from portal.factories import PatientFactory
from portal.models import AuditEvent
from portal.services.errors import ServiceError
from records.factories import RecordItemFactory
from records.models import CareTask, RecordItem
from scheduling.models import Appointment, Insurance
from scheduling.services import checkin
from scheduling.services.checkin import Window
from tests.conftest import sign_in
from tests.scheduling.checkin_fixtures import ask, booked_visit, phq9_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit() -> Appointment:
    patient = PatientFactory(phone="(312) 555-0101", email="pat@example.org", address="1 Old Road")
    return booked_visit(patient, timezone.now() + timedelta(days=2))


def _access(appointment: Appointment):  # type: ignore[no-untyped-def]
    access = resolve(appointment.patient.user, appointment.patient, Action.SCHEDULING)
    assert access is not None
    return access


def _all_steps(appointment: Appointment, now=None) -> None:  # type: ignore[no-untyped-def]
    access, user = _access(appointment), appointment.patient.user
    common = {"access": access, "actor": user, "appointment_id": appointment.pk, "now": now}
    checkin.details_confirm(**common, phone="(312) 555-0101", email="pat@example.org", address="1 Old Road")
    checkin.insurance_confirm(**common, uninsured=True)
    checkin.medicines_review(**common, changes={})


def test_window_opens_three_days_before_and_closes_at_the_start(visit: Appointment) -> None:
    start = visit.starts_at
    assert checkin.window(visit, start - timedelta(days=3, seconds=1)) == Window.EARLY
    assert checkin.window(visit, start - timedelta(days=3)) == Window.OPEN
    assert checkin.window(visit, start - timedelta(seconds=1)) == Window.OPEN
    assert checkin.window(visit, start) == Window.CLOSED
    visit.status = Appointment.Status.CANCELLED
    assert checkin.window(visit, start - timedelta(days=1)) == Window.CLOSED


def test_steps_are_refused_outside_the_window(visit: Appointment) -> None:
    early = visit.starts_at - timedelta(days=4)
    with pytest.raises(ServiceError, match="not opened"):
        checkin.insurance_confirm(
            access=_access(visit), actor=visit.patient.user, appointment_id=visit.pk, uninsured=True, now=early
        )
    with pytest.raises(ServiceError, match="closed"):
        checkin.insurance_confirm(
            access=_access(visit),
            actor=visit.patient.user,
            appointment_id=visit.pk,
            uninsured=True,
            now=visit.starts_at + timedelta(minutes=1),
        )
    assert not Insurance.objects.exists()


def test_contact_changes_are_applied_and_audited(visit: Appointment) -> None:
    changed = checkin.details_confirm(
        access=_access(visit),
        actor=visit.patient.user,
        appointment_id=visit.pk,
        phone="(312) 555-0199",
        email=" New@Example.org ",
        address="1 Old Road",
    )
    visit.patient.refresh_from_db()
    assert changed == ["phone", "email"]
    assert (visit.patient.phone, visit.patient.email) == ("(312) 555-0199", "new@example.org")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_type="portal.Patient").count() == 1


def test_insurance_needs_payer_and_member_id_unless_uninsured(visit: Appointment) -> None:
    common = {"access": _access(visit), "actor": visit.patient.user, "appointment_id": visit.pk}
    with pytest.raises(ServiceError) as refused:
        checkin.insurance_confirm(**common, uninsured=False, payer="Acme Health")
    assert refused.value.field == "member_id"
    insurance = checkin.insurance_confirm(
        **common, uninsured=False, payer="Acme Health", member_id="XJ123", group_number="77"
    )
    assert (insurance.payer, insurance.member_id, insurance.group_number) == ("Acme Health", "XJ123", "77")


def test_medicine_changes_go_to_staff_for_review_not_into_the_record(visit: Appointment) -> None:
    patient = visit.patient
    metformin = RecordItemFactory(
        patient=patient,
        source=patient.home_organization,
        kind="medication",
        display="Metformin 500 mg",
        code="860975",
        status="active",
    )
    penicillin = RecordItemFactory(
        patient=patient,
        source=patient.home_organization,
        kind="allergy",
        display="Penicillin",
        code="7980",
        status="active",
    )
    RecordItemFactory(
        patient=patient, source=patient.home_organization, kind="medication", display="Old pill", status="stopped"
    )
    access = _access(visit)
    assert [item.display for item in checkin.reviewable_items(access)] == ["Penicillin", "Metformin 500 mg"]

    tasks = checkin.medicines_review(
        access=access,
        actor=patient.user,
        appointment_id=visit.pk,
        changes={metformin.pk: "the patient no longer takes this."},
        new_medicines="Vitamin D 1000 IU",
    )

    assert [(t.kind, t.item_id, t.status) for t in tasks] == [
        (CareTask.Kind.CORRECTION, metformin.pk, CareTask.Status.OPEN),
        (CareTask.Kind.CORRECTION, None, CareTask.Status.OPEN),
    ]
    assert "no longer takes" in tasks[0].text and "Vitamin D 1000 IU" in tasks[1].text
    metformin.refresh_from_db()
    assert metformin.status == "active" and RecordItem.objects.filter(patient=patient).count() == 3
    assert penicillin.pk not in [t.item_id for t in tasks]
    assert AuditEvent.objects.filter(object_type="records.CareTask").count() == 2


def test_an_item_of_someone_else_cannot_be_reported(visit: Appointment) -> None:
    stranger = RecordItemFactory(kind="medication", status="active")
    with pytest.raises(ServiceError):
        checkin.medicines_review(
            access=_access(visit), actor=visit.patient.user, appointment_id=visit.pk, changes={stranger.pk: "stopped"}
        )
    assert not CareTask.objects.exists()


def test_check_in_needs_every_step_and_every_questionnaire(visit: Appointment) -> None:
    [phq9] = ask(visit.visit_type, "phq9")
    access, user = _access(visit), visit.patient.user
    with pytest.raises(ServiceError, match="not done"):
        checkin.checkin_finish(access=access, actor=user, appointment_id=visit.pk)
    _all_steps(visit)
    with pytest.raises(ServiceError, match="not done"):
        checkin.checkin_finish(access=access, actor=user, appointment_id=visit.pk)
    checkin.answer(access=access, actor=user, appointment_id=visit.pk, questionnaire_id=phq9.pk, answers=phq9_answers())
    checkin.checkin_finish(access=access, actor=user, appointment_id=visit.pk)
    visit.refresh_from_db()
    assert visit.checked_in_at is not None
    assert checkin.window(visit, timezone.now()) == Window.DONE
    with pytest.raises(ServiceError, match="closed"):
        checkin.checkin_finish(access=access, actor=user, appointment_id=visit.pk)


# --- Pages -------------------------------------------------------------------------------------


def _url(name: str, visit: Appointment, **kwargs: int) -> str:
    return reverse(name, kwargs={"patient_id": visit.patient.pk, "appointment_id": visit.pk, **kwargs})


def test_page_before_the_window_says_when_it_opens(client) -> None:  # type: ignore[no-untyped-def]
    visit = booked_visit(PatientFactory(), timezone.now() + timedelta(days=10))
    sign_in(client, visit.patient.user)
    page = client.get(_url("checkin", visit)).content.decode()
    assert "Check-in opens 3 days before the visit" in page
    assert _url("checkin_details", visit) not in page
    # A step's page sends the patient back to the explanation.
    assert client.get(_url("checkin_insurance", visit))["Location"] == _url("checkin", visit)


def test_details_form_keeps_input_on_error(client, visit: Appointment) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, visit.patient.user)
    response = client.post(_url("checkin_details", visit), {"phone": "", "email": "", "address": "9 New Street"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a phone number or an email address" in page and "9 New Street" in page
    visit.patient.refresh_from_db()
    assert visit.patient.address == "1 Old Road"


def test_insurance_form_error_keeps_what_was_typed(client, visit: Appointment) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, visit.patient.user)
    response = client.post(_url("checkin_insurance", visit), {"payer": "Acme Health", "group_number": "G-55"})
    assert response.status_code == 400
    assert "Give your member ID" in response.content.decode() and 'value="G-55"' in response.content.decode()


def test_questionnaire_page_with_item_nine_shows_crisis_resources(client, visit: Appointment) -> None:  # type: ignore[no-untyped-def]
    [phq9] = ask(visit.visit_type, "phq9")
    sign_in(client, visit.patient.user)
    url = _url("checkin_questionnaire", visit, questionnaire_id=phq9.pk)
    missing = client.post(url, {f"item_{n}": "1" for n in range(1, 9)})
    assert missing.status_code == 400
    assert "Answer this question." in missing.content.decode()
    assert re.search(r'name="item_1" value="1"[^>]*checked', missing.content.decode())
    # Each question is a fieldset named by its legend; the error summary links to its first choice.
    assert missing.content.decode().count("<legend>") == 9
    assert 'href="#id_item_9_0"' in missing.content.decode() and 'id="id_item_9_0"' in missing.content.decode()
    sent = client.post(url, {f"item_{n}": "2" if n == 9 else "0" for n in range(1, 10)})
    assert sent["Location"] == _url("checkin_answered", visit, questionnaire_id=phq9.pk)
    page = client.get(sent["Location"]).content.decode()
    assert 'href="tel:988"' in page and 'href="sms:988"' in page and 'href="tel:911"' in page
    assert "Your care team has been told" in page
    # Answered once: the form now leads to the confirmation.
    assert client.get(url)["Location"] == sent["Location"]


def _queries(client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    return len(queries), page


def test_overview_shows_steps_in_words_and_checks_in(client, visit: Appointment) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, visit.patient.user)
    _queries(client, _url("checkin", visit))  # the session's first-request writes
    ask(visit.visit_type, "phq9")
    one, _page = _queries(client, _url("checkin", visit))
    ask(visit.visit_type, "gad7")
    two, page = _queries(client, _url("checkin", visit))
    assert one == two <= 16  # however many questionnaires the visit asks for
    assert page.count("To do") == 5 and "PHQ-9" in page and "GAD-7" in page
    _all_steps(visit)
    assert client.get(_url("checkin", visit)).content.decode().count("Done") >= 3
    refused = client.post(_url("checkin_finish", visit), follow=True)
    assert "Some steps are not done yet." in refused.content.decode()


def test_medicines_page_lists_the_record_and_sends_changes_for_review(client, visit: Appointment) -> None:  # type: ignore[no-untyped-def]
    patient = visit.patient
    source = patient.home_organization
    metformin = RecordItemFactory(
        patient=patient, source=source, kind="medication", display="Metformin 500 mg", status="active"
    )
    penicillin = RecordItemFactory(
        patient=patient, source=source, kind="allergy", display="Penicillin", status="active"
    )
    sign_in(client, patient.user)
    page = client.get(_url("checkin_medicines", visit)).content.decode()
    assert "Metformin 500 mg" in page and "Penicillin" in page and "I no longer take this" in page
    response = client.post(_url("checkin_medicines", visit), {f"item_{metformin.pk}": "stopped"})
    assert response.status_code == 400  # the allergy was not answered
    assert not CareTask.objects.exists()
    sent = client.post(
        _url("checkin_medicines", visit), {f"item_{metformin.pk}": "stopped", f"item_{penicillin.pk}": "same"}
    )
    assert sent["Location"] == _url("checkin", visit)
    assert list(CareTask.objects.values_list("item_id", flat=True)) == [metformin.pk]
