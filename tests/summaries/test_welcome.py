# ruff: noqa: F401, F811  (the messaging clinic fixture, imported, is the argument of the tests)
"""The first visit's welcome: on the patient's own data (their briefing, who answers a message by
when, what they can book), once, skippable, asking for language, notices and a second factor
through the existing account pages; never shown to a caregiver."""

from __future__ import annotations

import html
import re
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone

from messaging.models import Category
from messaging.services.threads import thread_start
from portal import dates
from portal.access import Action, resolve
from portal.factories import ProxyGrantFactory
from portal.models import Scope
from records.factories import RecordItemFactory
from scheduling.factories import VisitTypeFactory
from summaries.models import Welcome
from summaries.services import refresh
from tests.clock import CLINIC_ZONE
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic, clinic

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # noqa: ANN001
    assert response.status_code == 200
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def test_the_first_visit_shows_what_the_portal_does_on_the_patients_own_data(client: Client, clinic: Clinic) -> None:
    patient = clinic.patient
    VisitTypeFactory(organization=clinic.organization, name="Annual physical")
    RecordItemFactory(patient=patient, source=clinic.organization, display="Sodium")
    refresh.rebuild(patient.pk)
    sign_in(client, patient.user)

    first = _text(client.get(f"/p/{patient.pk}/"))
    # The promise shown is the one a real message written now gets.
    thread = thread_start(
        access=resolve(patient.user, patient, Action.MESSAGING),
        actor=patient.user,
        category=Category.OTHER,
        subject="Hello",
        body="A question",
        idempotency_key=uuid4().hex,
        now=timezone.now(),
    )
    second = _text(client.get(f"/p/{patient.pk}/"))

    assert "Welcome to your patient portal" in first
    assert "1 new thing in your care, from Lakeside Primary Care." in first
    who = thread.owner.signature if thread.owner else "your care team"
    with timezone.override(CLINIC_ZONE):
        due = dates.format_datetime(thread.first_response_due_at)
    assert f"write today and {who} answers by {due}; every message shows who answers it" in first
    assert "book online: Annual physical." in first
    assert "Save my choices" in first and "Add a second step" in first and "Skip to your briefing" in first
    # Refills and billing are live: the welcome says what each does.
    welcome = first.lower().split("welcome to your patient portal")[1].split("set up in a minute")[0]
    assert "refill requests, with each step of a refill shown as it happens" in welcome
    assert "your statements in plain words, payments, payment plans and receipts" in welcome
    assert "Welcome to your patient portal" not in second
    assert Welcome.objects.filter(patient=patient, user=patient.user).count() == 1


def test_shown_once_even_in_a_new_session_and_never_to_a_caregiver(client: Client, clinic: Clinic) -> None:
    patient = clinic.patient
    helper = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS, Scope.MESSAGING]).grantee
    sign_in(client, patient.user)
    client.get(f"/p/{patient.pk}/")

    again = Client()
    sign_in(again, patient.user)
    caregiver = Client()
    sign_in(caregiver, helper)

    assert "Welcome to your patient portal" not in _text(again.get(f"/p/{patient.pk}/"))
    assert "Welcome to your patient portal" not in _text(caregiver.get(f"/p/{patient.pk}/"))
    assert Welcome.objects.count() == 1


def test_the_welcomes_choices_save_through_the_account_page_and_come_back_home(client: Client, clinic: Clinic) -> None:
    patient = clinic.patient
    sign_in(client, patient.user)
    page = client.get(f"/p/{patient.pk}/").content.decode()
    assert 'action="/account/"' in page and 'name="notify_briefing"' in page

    saved = client.post(
        "/account/",
        {
            "language": "es",
            "notify_by_email": "on",
            "notify_by_sms": "on",
            "phone": "+15555550100",
            "notify_briefing": "on",
            "next": f"/p/{patient.pk}/",
        },
    )
    elsewhere = client.post(
        "/account/",
        {"language": "en", "notify_by_email": "on", "phone": "", "next": "https://evil.example/"},
    )

    assert saved.status_code == 302 and saved["Location"] == f"/p/{patient.pk}/"
    assert elsewhere["Location"] == "/account/"
    patient.user.refresh_from_db()
    assert (patient.user.language, patient.user.notify_by_sms, patient.user.notify_briefing) == ("en", False, False)


def test_a_bad_choice_in_the_welcome_is_shown_on_the_account_page(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    response = client.post(
        "/account/", {"language": "en", "notify_by_sms": "on", "phone": "", "next": f"/p/{clinic.patient.pk}/"}
    )

    assert response.status_code == 400
    assert "Add a mobile number" in response.content.decode()
