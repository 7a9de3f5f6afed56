"""A billing question and a financial assistance request open a thread in the billing pool with a
named owner and an answer time, through messaging's one way in; the same form twice opens one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messaging.factories import PoolFactory
from messaging.models import Pool, Thread
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_financial_assistance_request_goes_to_a_named_person_in_the_billing_pool() -> None:
    patient = PatientFactory()
    grace = StaffMemberFactory(organization=patient.home_organization, role=StaffRole.BILLING)
    pool = PoolFactory(organization=patient.home_organization, kind=Pool.Kind.BILLING, members=[grace])
    client = sign_in(Client(), patient.user)
    url = reverse("billing_ask", args=[patient.pk])
    form = {"kind": "assistance", "text": "I lost my job and cannot pay the whole bill.", "idempotency_key": "form-1"}

    first = client.post(url, form, follow=True)
    client.post(url, form)

    thread = Thread.objects.get()
    assert (thread.pool_id, thread.owner_id, thread.subject) == (pool.pk, grace.pk, "Financial assistance request")
    assert thread.category == "billing"
    assert f"Your message went to the billing office. {grace.signature} answers by" in first.content.decode()


def test_an_empty_question_comes_back_with_an_error() -> None:
    patient = PatientFactory()
    client = sign_in(Client(), patient.user)

    page = client.post(
        reverse("billing_ask", args=[patient.pk]), {"kind": "question", "text": "", "idempotency_key": "k"}
    )

    assert page.status_code == 400
    assert "This field is required." in page.content.decode()
    assert not Thread.objects.exists()


def test_the_same_form_sent_again_with_another_question_is_refused_not_dropped() -> None:
    patient = PatientFactory()
    grace = StaffMemberFactory(organization=patient.home_organization, role=StaffRole.BILLING)
    PoolFactory(organization=patient.home_organization, kind=Pool.Kind.BILLING, members=[grace])
    client = sign_in(Client(), patient.user)
    url = reverse("billing_ask", args=[patient.pk])
    client.post(url, {"kind": "question", "text": "Why was I billed twice?", "idempotency_key": "form-1"})

    again = client.post(url, {"kind": "question", "text": "Can I pay by check?", "idempotency_key": "form-1"})

    assert again.status_code == 400
    assert "This form was already sent with another question." in again.content.decode()
    assert Thread.objects.count() == 1
