"""The safety screen on a patient's note with a scheduling change: a visit request, a late
cancellation or change (a request for the clinic), and one done online in time. Refused with the
emergency guidance until confirmed (service, pages, API); confirmed, the words reach nurse triage
at once in an urgent thread, as the request's own conversation waits at the front desk.

Attacks that once worked: "chest pain" in a visit request or a late cancellation's note went
through without a word of guidance, as a routine thread in the scheduling pool (the page and the
API alike); asking again for a visit already requested, with new red-flag words, dropped them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from messaging import safety
from messaging.factories import PoolFactory
from messaging.models import Category, Pool, Thread
from portal.factories import ProxyGrantFactory, StaffMemberFactory
from portal.models import AuditEvent, Scope, StaffMember, StaffRole
from scheduling.factories import VisitTypeFactory
from scheduling.models import Appointment, AppointmentRequest, VisitType
from scheduling.services.changes import appointment_cancel, appointment_reschedule, visit_request
from tests.conftest import sign_in
from tests.scheduling.conftest import NOW, Clinic, at

pytestmark = pytest.mark.django_db

Status = Appointment.Status
CHEST = "Since last night I have chest pain going down my arm"
# Three hours ahead: past the follow-up's 24-hour cut-off. Tuesday 9:00 is 26 hours ahead: in time.
SOON = at(2026, 3, 2, 10)
TUESDAY_9 = at(2026, 3, 3, 9)
WEDNESDAY_9 = at(2026, 3, 4, 9)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    """Pages, API and services read the clinic fixture's Monday 07:00."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def nurse(clinic: Clinic) -> StaffMember:
    """Nurse triage with one nurse, and the scheduling pool the front desk answers requests from."""
    nurse = StaffMemberFactory(organization=clinic.organization, role=StaffRole.NURSE)
    PoolFactory(organization=clinic.organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE, members=[nurse])
    PoolFactory(
        organization=clinic.organization, name="Scheduling", kind=Pool.Kind.SCHEDULING, members=[clinic.front_desk]
    )
    return nurse


@pytest.fixture
def asked(clinic: Clinic) -> VisitType:
    return VisitTypeFactory(organization=clinic.organization, name="Annual physical", booking_mode="request")


def _urgent(nurse: StaffMember, flags: list[str]) -> Thread:
    """The one urgent thread, checked to be with the nurse, flagged, about a new symptom."""
    thread = Thread.objects.get(urgency=Thread.Urgency.URGENT)
    assert (thread.safety_flags, thread.owner, thread.pool.kind, thread.category) == (
        flags,
        nurse,
        Pool.Kind.NURSE_TRIAGE,
        Category.NEW_SYMPTOM,
    )
    assert thread.subject == "Appointment note mentions signs of an emergency"
    return thread


def _body(thread: Thread) -> str:
    return thread.messages.get().body


# -- the services ---------------------------------------------------------------------------------------------------


def test_a_visit_request_with_red_flags_is_refused_until_confirmed(
    clinic: Clinic, nurse: StaffMember, asked: VisitType
) -> None:
    common: dict[str, Any] = {
        "access": clinic.access(),
        "actor": clinic.patient.user,
        "visit_type_id": asked.pk,
        "note": f"  {CHEST}  ",
    }

    with pytest.raises(safety.Unconfirmed) as refused:
        visit_request(**common)

    assert refused.value.flags == ["chest_pain"]
    assert "call 911" in refused.value.message
    assert (AppointmentRequest.objects.count(), Thread.objects.count()) == (0, 0)

    request = visit_request(**common, confirmed_flags=["chest_pain"])

    assert request.note == CHEST
    assert request.thread is not None and request.thread.urgency == Thread.Urgency.NORMAL
    assert _body(request.thread).endswith(CHEST)  # the front desk still reads what suits the patient
    assert _body(_urgent(nurse, ["chest_pain"])) == f"Written with a request for a visit (Annual physical):\n\n{CHEST}"


def test_asking_again_with_new_red_flag_words_still_reaches_the_nurse(
    clinic: Clinic, nurse: StaffMember, asked: VisitType
) -> None:
    common: dict[str, Any] = {"access": clinic.access(), "actor": clinic.patient.user, "visit_type_id": asked.pk}
    first = visit_request(**common, note="Tuesday mornings")

    with pytest.raises(safety.Unconfirmed):
        visit_request(**common, note="Now I can't breathe")
    again = visit_request(**common, note="Now I can't breathe", confirmed_flags=["breathing"])
    twice = visit_request(**common, note="Now I can't breathe", confirmed_flags=["breathing"])

    assert again == twice == first
    assert AppointmentRequest.objects.get().note == "Tuesday mornings"
    assert "Now I can't breathe" in _body(_urgent(nurse, ["breathing"]))  # one thread: the retry opened none


def test_a_finding_added_after_the_guidance_asks_again(clinic: Clinic, nurse: StaffMember, asked: VisitType) -> None:
    with pytest.raises(safety.Unconfirmed) as refused:
        visit_request(
            access=clinic.access(),
            actor=clinic.patient.user,
            visit_type_id=asked.pk,
            note=f"{CHEST}, and I fainted",
            confirmed_flags=["chest_pain"],
        )

    assert refused.value.flags == ["chest_pain", "unconscious"]
    assert AppointmentRequest.objects.count() == 0


def test_a_late_cancellation_note_with_red_flags_is_refused_until_confirmed(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    common: dict[str, Any] = {
        "access": clinic.access(),
        "actor": clinic.patient.user,
        "appointment_id": visit.pk,
        "note": "I want to die",
    }

    with pytest.raises(safety.Unconfirmed) as refused:
        appointment_cancel(**common)

    assert refused.value.flags == ["suicide"] and "988" in refused.value.message
    assert (AppointmentRequest.objects.count(), Thread.objects.count()) == (0, 0)

    outcome = appointment_cancel(**common, confirmed_flags=["suicide"])

    visit.refresh_from_db()
    assert visit.status == Status.BOOKED
    assert outcome.request is not None and outcome.request.note == "I want to die"
    assert _body(_urgent(nurse, ["suicide"])) == (
        "Written with a cancellation of the visit (Follow-up visit) on Mon 2 Mar 2026, 10:00 a.m.:\n\nI want to die"
    )


def test_a_late_change_note_with_red_flags_is_refused_until_confirmed(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    common: dict[str, Any] = {
        "access": clinic.access(),
        "actor": clinic.patient.user,
        "appointment_id": visit.pk,
        "provider_id": visit.provider_id,
        "location_id": visit.location_id,
        "starts_at": WEDNESDAY_9,
        "note": "My throat is swelling up",
    }

    with pytest.raises(safety.Unconfirmed) as refused:
        appointment_reschedule(**common)

    assert refused.value.flags == ["anaphylaxis"]
    assert (AppointmentRequest.objects.count(), Thread.objects.count()) == (0, 0)

    outcome = appointment_reschedule(**common, confirmed_flags=["anaphylaxis"])

    assert outcome.request is not None and outcome.request.kind == AppointmentRequest.Kind.RESCHEDULE
    assert _body(_urgent(nurse, ["anaphylaxis"])).startswith(
        "Written with a change of the visit (Follow-up visit) on Mon 2 Mar 2026, 10:00 a.m.:"
    )


def test_a_note_with_a_cancellation_in_time_is_screened_too(clinic: Clinic, nurse: StaffMember) -> None:
    # Done online, the note is kept nowhere: confirmed red flags are the only words that go anywhere.
    visit = clinic.book(TUESDAY_9)
    common: dict[str, Any] = {
        "access": clinic.access(),
        "actor": clinic.patient.user,
        "appointment_id": visit.pk,
        "note": "Too sick, I keep passing out",
    }

    with pytest.raises(safety.Unconfirmed):
        appointment_cancel(**common)
    visit.refresh_from_db()
    assert visit.status == Status.BOOKED

    appointment_cancel(**common, confirmed_flags=["unconscious"])

    visit.refresh_from_db()
    assert visit.status == Status.CANCELLED
    assert "Too sick, I keep passing out" in _body(_urgent(nurse, ["unconscious"]))


def test_a_note_with_a_move_in_time_is_screened_too(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(TUESDAY_9)
    common: dict[str, Any] = {
        "access": clinic.access(),
        "actor": clinic.patient.user,
        "appointment_id": visit.pk,
        "provider_id": visit.provider_id,
        "location_id": visit.location_id,
        "starts_at": WEDNESDAY_9,
        "note": "Seizures again since Friday",
    }

    with pytest.raises(safety.Unconfirmed):
        appointment_reschedule(**common)
    assert Appointment.objects.get().status == Status.BOOKED

    moved = appointment_reschedule(**common, confirmed_flags=["seizure"])

    assert moved.appointment.starts_at == WEDNESDAY_9
    assert "Seizures again since Friday" in _body(_urgent(nurse, ["seizure"]))


def test_a_caregiver_without_the_messaging_scope_still_reaches_the_nurse(
    clinic: Clinic, nurse: StaffMember, asked: VisitType
) -> None:
    caregiver = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.SCHEDULING]).grantee

    visit_request(
        access=clinic.access(caregiver),
        actor=caregiver,
        visit_type_id=asked.pk,
        note="She passed out this morning",
        confirmed_flags=["unconscious"],
    )

    message = _urgent(nurse, ["unconscious"]).messages.get()
    assert (message.author, message.acting_as) == (caregiver, AuditEvent.ActingAs.PROXY)


def test_a_plain_note_opens_no_urgent_thread(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    appointment_cancel(access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk, note="Sick child")
    assert Thread.objects.filter(urgency=Thread.Urgency.URGENT).count() == 0


def test_staff_notes_are_not_the_patients_words(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)

    appointment_cancel(
        access=clinic.staff_access(), actor=clinic.front_desk.user, appointment_id=visit.pk, note="chest pain"
    )

    visit.refresh_from_db()
    assert (visit.status, Thread.objects.count()) == (Status.CANCELLED, 0)


# -- the pages ------------------------------------------------------------------------------------------------------


def _page(clinic: Clinic, name: str, **kwargs: int) -> str:
    return reverse(name, kwargs={"patient_id": clinic.patient.pk, **kwargs})


def _shows_the_guidance(response: Any, *, screened: str, typed: str) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert "This may be an emergency" in page and 'href="tel:911"' in page
    assert f'name="screened" value="{screened}"' in page and 'name="send_anyway"' in page
    assert f"\n{typed}</textarea>" in page  # nothing the patient typed is lost


def test_the_request_page_shows_the_guidance_and_sends_anyway(
    clinic: Clinic, nurse: StaffMember, asked: VisitType
) -> None:
    client = sign_in(Client(), clinic.patient.user)
    address = _page(clinic, "appointments_request", visit_type_id=asked.pk)

    shown = client.post(address, {"note": CHEST})

    _shows_the_guidance(shown, screened="chest_pain", typed=CHEST)
    assert (AppointmentRequest.objects.count(), Thread.objects.count()) == (0, 0)

    sent = client.post(address, {"note": CHEST, "send_anyway": "1", "screened": "chest_pain"}, follow=True)

    assert sent.redirect_chain[0][0] == _page(clinic, "appointments_home")
    assert "care team as urgent. If this is an emergency, call 911 now" in sent.content.decode()
    assert AppointmentRequest.objects.get().note == CHEST
    assert CHEST in _body(_urgent(nurse, ["chest_pain"]))


def test_the_late_cancel_page_shows_the_guidance_and_sends_anyway(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    client = sign_in(Client(), clinic.patient.user)
    address = _page(clinic, "appointments_cancel", appointment_id=visit.pk)

    shown = client.post(address, {"note": "Quiero morir"})

    _shows_the_guidance(shown, screened="suicide", typed="Quiero morir")
    assert 'href="tel:988"' in shown.content.decode()
    assert AppointmentRequest.objects.count() == 0

    sent = client.post(address, {"note": "Quiero morir", "send_anyway": "1", "screened": "suicide"})

    assert sent["Location"] == _page(clinic, "appointments_visit", appointment_id=visit.pk)
    assert AppointmentRequest.objects.get().kind == AppointmentRequest.Kind.CANCEL
    assert "Quiero morir" in _body(_urgent(nurse, ["suicide"]))


def test_the_late_change_page_shows_the_guidance_and_sends_anyway(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    client = sign_in(Client(), clinic.patient.user)
    address = _page(clinic, "appointments_reschedule", appointment_id=visit.pk)

    shown = client.post(address, {"note": "He is not breathing"})

    _shows_the_guidance(shown, screened="breathing", typed="He is not breathing")
    assert AppointmentRequest.objects.count() == 0

    sent = client.post(address, {"note": "He is not breathing", "send_anyway": "1", "screened": "breathing"})

    assert sent["Location"] == _page(clinic, "appointments_visit", appointment_id=visit.pk)
    assert AppointmentRequest.objects.get().kind == AppointmentRequest.Kind.RESCHEDULE
    assert "He is not breathing" in _body(_urgent(nurse, ["breathing"]))


def test_a_note_posted_with_a_move_in_time_gets_the_guidance_and_keeps_the_note(
    clinic: Clinic, nurse: StaffMember
) -> None:
    # The confirm page has no note field, but a note posted to it is the patient's words all the same.
    visit = clinic.book(TUESDAY_9)
    client = sign_in(Client(), clinic.patient.user)
    address = _page(clinic, "appointments_reschedule_confirm", appointment_id=visit.pk)
    new = client.get(_page(clinic, "appointments_reschedule", appointment_id=visit.pk)).context["page"]
    chosen = new.days[0][1][0].times[0].value

    shown = client.post(address, {"slot": chosen, "note": "Stroke, my face is drooping"})

    _shows_the_guidance(shown, screened="stroke", typed="Stroke, my face is drooping")
    assert Appointment.objects.get().status == Status.BOOKED

    sent = client.post(
        address, {"slot": chosen, "note": "Stroke, my face is drooping", "send_anyway": "1", "screened": "stroke"}
    )

    assert sent.status_code == 302
    assert Appointment.objects.filter(status=Status.BOOKED).exclude(pk=visit.pk).count() == 1
    assert "Stroke, my face is drooping" in _body(_urgent(nurse, ["stroke"]))


# -- the API --------------------------------------------------------------------------------------------------------


def _api(clinic: Clinic) -> Client:
    return sign_in(Client(), clinic.patient.user)


def _post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data, content_type="application/json")


def _refused_with_guidance(response: Any, flags: list[str], labels: list[str]) -> None:
    body = response.json()
    assert response.status_code == 422
    assert (body["code"], body["safety_flags"], body["labels"], body["emergency_numbers"]) == (
        "safety_confirmation_required",
        flags,
        labels,
        ["911"],
    )
    assert "call 911" in body["detail"]


def test_the_api_request_answers_422_until_confirmed(clinic: Clinic, nurse: StaffMember, asked: VisitType) -> None:
    client = _api(clinic)
    address = _page(clinic, "api_visit_requests")
    payload = {"visit_type": asked.pk, "note": CHEST}

    refused = _post(client, address, payload)

    _refused_with_guidance(refused, ["chest_pain"], ["chest pain or pressure"])
    assert (AppointmentRequest.objects.count(), Thread.objects.count()) == (0, 0)

    sent = _post(client, address, {**payload, "confirmed_safety_flags": refused.json()["safety_flags"]})

    assert (sent.status_code, sent.json()["note"]) == (201, CHEST)
    assert CHEST in _body(_urgent(nurse, ["chest_pain"]))


def test_the_api_late_cancel_answers_422_until_confirmed(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    client = _api(clinic)
    address = _page(clinic, "api_appointment_cancel", appointment_id=visit.pk)

    refused = _post(client, address, {"note": "Vomiting blood all morning"})

    _refused_with_guidance(refused, ["bleeding"], ["heavy bleeding"])
    assert AppointmentRequest.objects.count() == 0

    sent = _post(client, address, {"note": "Vomiting blood all morning", "confirmed_safety_flags": ["bleeding"]})

    assert (sent.status_code, sent.json()["request"]["kind"]) == (202, "cancel")
    assert "Vomiting blood all morning" in _body(_urgent(nurse, ["bleeding"]))


def test_the_api_late_change_answers_422_until_confirmed(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    client = _api(clinic)
    address = _page(clinic, "api_appointment_reschedule", appointment_id=visit.pk)
    payload = {
        "provider": visit.provider_id,
        "location": visit.location_id,
        "starts_at": WEDNESDAY_9.isoformat(),
        "note": "I took too many pills",
    }

    refused = _post(client, address, payload)

    _refused_with_guidance(refused, ["overdose"], ["an overdose or poisoning"])
    assert AppointmentRequest.objects.count() == 0

    sent = _post(client, address, {**payload, "confirmed_safety_flags": ["overdose"]})

    assert (sent.status_code, sent.json()["request"]["kind"]) == (202, "reschedule")
    assert "I took too many pills" in _body(_urgent(nurse, ["overdose"]))


def test_the_api_refuses_unknown_confirmations_as_bad_input(clinic: Clinic, asked: VisitType) -> None:
    address = _page(clinic, "api_visit_requests")
    response = _post(_api(clinic), address, {"visit_type": asked.pk, "note": CHEST, "confirmed_safety_flags": ["x"]})
    assert response.status_code == 400 and "confirmed_safety_flags" in response.json()
    assert AppointmentRequest.objects.count() == 0


def test_the_schema_documents_the_safety_refusal(clinic: Clinic) -> None:
    schema = _api(clinic).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path, body in (
        ("/api/v1/patients/{patient_id}/requests/", "VisitRequest"),
        ("/api/v1/patients/{patient_id}/appointments/{appointment_id}/cancel/", "Cancel"),
        ("/api/v1/patients/{patient_id}/appointments/{appointment_id}/reschedule/", "TimeChoice"),
    ):
        responses = schema["paths"][path]["post"]["responses"]
        assert responses["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/SafetyRefusal"
        }
        assert "confirmed_safety_flags" in schema["components"]["schemas"][body]["properties"]


def test_a_late_request_from_a_plain_note_is_unchanged(clinic: Clinic, nurse: StaffMember) -> None:
    visit = clinic.book(SOON)
    response = _post(_api(clinic), _page(clinic, "api_appointment_cancel", appointment_id=visit.pk), {"note": "Ill"})
    assert response.status_code == 202
    assert Thread.objects.get().urgency == Thread.Urgency.NORMAL
