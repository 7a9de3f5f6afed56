"""Staff messaging pages: inboxes (full page and htmx list), the thread page, and each action's
success and refusal (shown again with the error and everything typed)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.models import Category, Message, OwnershipChange, QuickReply, Thread
from messaging.services.threads import thread_reply
from portal.access import Action
from portal.factories import CareTeamMembershipFactory
from portal.models import AuditEvent
from records.factories import RecordItemFactory
from records.models import HomeReading, RecordItem
from records.services.readings import reading_record
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    return sign_in(Client(), user, second_factor=True)


def url(name: str, thread: Thread) -> str:
    return reverse(name, args=[thread.pk])


# -- inboxes ----------------------------------------------------------------------------------------------


def test_the_pool_inbox_shows_each_thread_with_its_promise(clinic: Clinic) -> None:
    thread = clinic.start(subject="Chest tightness", confirmed_flags=["chest_pain"])
    Thread.objects.filter(pk=thread.pk).update(sla_state=Thread.SlaState.AT_RISK)

    response = client_for(clinic.nurse_ana.user).get(reverse("staff_messages_pool", args=[clinic.triage.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body and 'id="inbox-list"' in body and 'hx-trigger="every 30s' in body
    for text in (
        "Chest tightness",
        clinic.patient.display_name,
        "Urgent",
        "Safety screen: chest pain",
        "New symptom or health problem",
        "Ana Lopez, RN",
        "At risk",
        # Due 2 business hours after Monday 09:00, shown in the clinic's time zone.
        "Mon 2 Mar 2026, 11:00 a.m.",
    ):
        assert text in body, text


def test_a_filter_change_answers_the_list_alone(clinic: Clinic) -> None:
    clinic.start(subject="Rash")
    clinic.start(subject="Chest tightness", confirmed_flags=["chest_pain"])
    inbox = reverse("staff_messages_pool", args=[clinic.triage.pk])

    response = client_for(clinic.nurse_ana.user).get(inbox, {"urgency": "urgent"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and body.strip().startswith('<div id="inbox-list"')
    assert "Chest tightness" in body and "Rash" not in body
    # The refresh asks again with the same filters.
    assert f'hx-get="{inbox}?urgency=urgent"' in body


def test_without_javascript_the_filter_form_reloads_the_page(clinic: Clinic) -> None:
    clinic.start(subject="Rash")

    response = client_for(clinic.nurse_ana.user).get(reverse("staff_messages"), {"view": "closed", "category": "x"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "0 closed conversations" in body and "Rash" not in body  # the bad category is read as any


def test_someone_elses_pool_is_not_found(clinic: Clinic) -> None:
    response = client_for(clinic.receptionist.user).get(reverse("staff_messages_pool", args=[clinic.triage.pk]))

    assert response.status_code == 404


def test_the_staff_home_card_counts_what_waits(clinic: Clinic) -> None:
    clinic.start()
    clinic.start()
    client = client_for(clinic.nurse_ana.user)

    home = client.get(reverse("staff_home")).content.decode()
    count = client.get(reverse("staff_messages_count"), **HTMX).content.decode()

    assert reverse("staff_messages_count") in home
    assert "2 conversations wait in your inboxes." in count


def test_a_background_refresh_does_not_keep_an_idle_session_alive(clinic: Clinic) -> None:
    client = client_for(clinic.nurse_ana.user)
    session = client.session
    last = time.time() - 60
    session["_last_activity"] = last
    session.save()

    background = client.get(reverse("staff_messages"), HTTP_X_PORTAL_BACKGROUND="1", **HTMX)
    after_background = client.session["_last_activity"]
    client.get(reverse("staff_messages"), **HTMX)

    assert background.status_code == 200
    assert after_background == last
    assert client.session["_last_activity"] > last


# -- the thread page ------------------------------------------------------------------------------------------


def test_the_thread_page_shows_notes_receipts_and_history(clinic: Clinic) -> None:
    thread = clinic.start()
    ana = clinic.nurse_ana.user
    reply = thread_reply(access=clinic.access(ana), actor=ana, thread_id=thread.pk, body="Keep it clean.")
    Message.objects.filter(pk=reply.pk).update(patient_read_at=thread.created_at)
    thread_reply(
        access=clinic.access(ana), actor=ana, thread_id=thread.pk, body="Photo looks fine.", internal_note=True
    )

    response = client_for(ana).get(url("staff_thread", thread))

    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Internal note — not shown to the patient",
        "Photo looks fine.",
        "Seen by the patient Mon 2 Mar 2026, 9:00 a.m.",
        f"MRN {clinic.patient.mrn}",
        "answers messages like this one",
        "Open chart",
        "by the portal",
        'class="thread-side"',
    ):
        assert text in body, text
    assert AuditEvent.objects.filter(actor=ana, action="view", object_type="messaging.Thread").count() == 1


def test_the_chart_panel_comes_as_a_partial_for_htmx_and_a_page_without(clinic: Clinic) -> None:
    RecordItemFactory(
        patient=clinic.patient,
        source=clinic.organization,
        kind=RecordItem.Kind.ALLERGY,
        display="Penicillin",
        status="active",
    )
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)

    partial = client.get(url("staff_thread_chart", thread), **HTMX).content.decode()
    page = client.get(url("staff_thread_chart", thread)).content.decode()

    assert "<html" not in partial and "Penicillin" in partial
    assert "<html" in page and "Penicillin" in page and "Back to the conversation" in page
    assert AuditEvent.objects.filter(actor=clinic.nurse_ana.user, object_type="messaging.ChartPanel").count() == 2


def test_the_chart_panel_puts_a_reading_logged_a_minute_ago_first_flagged_in_words(clinic: Clinic) -> None:
    patient = clinic.patient
    reading_record(
        access=clinic.access(patient.user, action=Action.RECORDS),
        actor=patient.user,
        kind=HomeReading.Kind.BLOOD_PRESSURE,
        taken_at=timezone.now() - timedelta(minutes=1),
        systolic=182,
        diastolic=124,
    )
    # The patient saw the safety screen's guidance and sent it anyway.
    thread = clinic.start(body="Chest pain since this morning.", now=timezone.now(), confirmed_flags=["chest_pain"])

    partial = client_for(clinic.nurse_ana.user).get(url("staff_thread_chart", thread), **HTMX).content.decode()

    readings = partial.split("Home readings, last 14 days", 1)[1].split("<h3>", 1)[0]
    assert "182/124 mmHg" in readings and "Emergency level" in readings
    assert partial.index("182/124 mmHg") < partial.index("Active problems")


def test_front_desk_gets_no_chart(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.APPOINTMENT)
    client = client_for(clinic.receptionist.user)

    assert "Open chart" not in client.get(url("staff_thread", thread)).content.decode()
    assert client.get(url("staff_thread_chart", thread), **HTMX).status_code == 404


# -- actions --------------------------------------------------------------------------------------------------


def test_reply_sends_and_redirects(clinic: Clinic) -> None:
    thread = clinic.start()

    response = client_for(clinic.nurse_ana.user).post(
        url("staff_thread_reply", thread), {"reply-body": "Use the cream.", "action": "send"}
    )

    assert response.status_code == 302 and response["Location"] == url("staff_thread", thread) + "#messages"
    assert thread.messages.filter(acting_as="staff", body="Use the cream.").count() == 1


def test_an_empty_reply_is_shown_again_with_the_error(clinic: Clinic) -> None:
    thread = clinic.start()

    response = client_for(clinic.nurse_ana.user).post(
        url("staff_thread_reply", thread), {"reply-body": "  ", "action": "send"}
    )

    assert response.status_code == 400
    assert "Write your message." in response.content.decode()


def test_insert_puts_the_quick_reply_after_what_was_typed(clinic: Clinic) -> None:
    quick = QuickReply.objects.create(
        organization=clinic.organization, title="Book a visit", body="Please book a visit."
    )
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)

    shown = client.post(
        url("staff_thread_reply", thread),
        {"reply-body": "Hello,", "reply-quick_reply": str(quick.pk), "action": "insert"},
    )
    missing = client.post(url("staff_thread_reply", thread), {"reply-body": "Hello,", "action": "insert"})

    assert shown.status_code == 200
    assert "Hello,\n\nPlease book a visit.</textarea>" in shown.content.decode()
    assert missing.status_code == 200
    assert "Choose a quick reply to insert." in missing.content.decode()
    assert ">\nHello,</textarea>" in missing.content.decode()
    assert thread.messages.count() == 1  # nothing sent


def test_internal_note(clinic: Clinic) -> None:
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)

    done = client.post(url("staff_thread_note", thread), {"note-body": "Called, no answer."})
    refused = client.post(url("staff_thread_note", thread), {"note-body": ""})

    assert done.status_code == 302
    assert thread.messages.get(is_internal_note=True).body == "Called, no answer."
    assert refused.status_code == 400 and "Write your message." in refused.content.decode()


def test_claim(clinic: Clinic) -> None:
    thread = clinic.start()  # Ana's

    response = client_for(clinic.nurse_ben.user).post(url("staff_thread_claim", thread))

    thread.refresh_from_db()
    assert response.status_code == 302 and thread.owner == clinic.nurse_ben


def test_claim_refused_to_a_care_team_clinician_of_another_clinic(clinic: Clinic) -> None:
    from portal.factories import StaffMemberFactory
    from portal.models import StaffRole

    specialist = StaffMemberFactory(role=StaffRole.PHYSICIAN)
    CareTeamMembershipFactory(patient=clinic.patient, staff=specialist)
    thread = clinic.start()

    response = client_for(specialist.user).post(url("staff_thread_claim", thread))

    assert response.status_code == 400
    assert "Only staff who answer messages here can take this conversation." in response.content.decode()
    thread.refresh_from_db()
    assert thread.owner == clinic.nurse_ana


def test_reassign_keeps_the_reason_and_refusal_keeps_input(clinic: Clinic) -> None:
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)

    refused = client.post(
        url("staff_thread_reassign", thread), {"reassign-to_staff": "", "reassign-note": "Ben knows her."}
    )
    done = client.post(
        url("staff_thread_reassign", thread),
        {"reassign-to_staff": str(clinic.nurse_ben.pk), "reassign-note": "Ben knows her."},
    )

    assert refused.status_code == 400
    assert "Choose a colleague who answers messages here." in refused.content.decode()
    assert "Ben knows her.</textarea>" in refused.content.decode()
    assert done.status_code == 302
    assert OwnershipChange.objects.filter(thread=thread).latest("at", "pk").note == "Ben knows her."


@pytest.mark.parametrize("to_staff", ["²", "99999999999999999999"])
def test_reassign_to_an_id_no_colleague_can_have_is_refused_not_a_500(clinic: Clinic, to_staff: str) -> None:
    # isdigit() passed "²", which int() refused: a 500 once.
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)

    refused = client.post(url("staff_thread_reassign", thread), {"reassign-to_staff": to_staff, "reassign-note": "x"})

    assert refused.status_code == 400
    assert "Choose a colleague who answers messages here." in refused.content.decode()


def test_escalate(clinic: Clinic) -> None:
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)

    refused = client.post(url("staff_thread_escalate", thread), {"escalate-note": ""})
    done = client.post(url("staff_thread_escalate", thread), {"escalate-note": "Spreading fast."})

    assert refused.status_code == 400 and "Say what the physician should look at." in refused.content.decode()
    thread.refresh_from_db()
    assert done.status_code == 302 and thread.pool == clinic.physicians
    page = client.get(url("staff_thread", thread)).content.decode()
    assert "moved from Nurse triage to Physicians" in page and "Note: Spreading fast." in page


def test_close_by_protocol(clinic: Clinic) -> None:
    thread = clinic.start()  # a new symptom
    desk = client_for(clinic.receptionist.user)

    page = desk.get(url("staff_thread", thread)).content.decode()
    refused = desk.post(url("staff_thread_close", thread), {"close-outcome": "answered"})
    done = client_for(clinic.nurse_ana.user).post(url("staff_thread_close", thread), {"close-outcome": "needs_visit"})

    assert "Front desk may close administrative messages only" in page and "You can't close this one." in page
    assert refused.status_code == 400
    assert "escalate it or pass it to nurse triage" in refused.content.decode()
    assert re.search(r'value="answered"[^>]*checked', refused.content.decode())  # the choice is kept
    thread.refresh_from_db()
    assert done.status_code == 302 and (thread.status, thread.outcome) == ("closed", "needs_visit")
    closed_page = client_for(clinic.nurse_ana.user).get(url("staff_thread", thread)).content.decode()
    assert reverse("section", args=[clinic.patient.pk, "appointments"]) in closed_page
    assert "Reopen" in closed_page


def test_reopen(clinic: Clinic) -> None:
    thread = clinic.start()
    client = client_for(clinic.nurse_ana.user)
    client.post(url("staff_thread_close", thread), {"close-outcome": "answered"})

    response = client.post(url("staff_thread_reopen", thread))

    thread.refresh_from_db()
    assert response.status_code == 302 and (thread.status, thread.outcome) == ("open", "")
