"""An issued Good Faith Estimate is announced through the one outbox: one notice per estimate,
no amounts or services in its words, a signed link that opens the estimate for its patient."""

from __future__ import annotations

import pytest
from django.test import Client

from billing import notifications
from billing.models import GoodFaithEstimate
from billing.services import estimates
from portal.access import Action, resolve
from portal.models import Notice
from tests.billing.estimate_fixtures import PricedVisit, price_visit
from tests.conftest import sign_in
from tests.scheduling.conftest import Clinic
from tests.scheduling.conftest import clinic as clinic  # noqa: PLC0414 (the fixture)


@pytest.fixture
def priced(clinic: Clinic) -> PricedVisit:
    return price_visit(clinic.organization, visit_type=clinic.follow_up, clinicians=(clinic.dr_kim, clinic.dr_lee))


def _request(clinic: Clinic, priced: PricedVisit, key: str) -> GoodFaithEstimate:
    access = resolve(clinic.patient.user, clinic.patient, Action.BILLING)
    assert access is not None
    due = estimates.estimate_request(
        access=access, actor=clinic.patient.user, item_id=priced.item.pk, coverage="uninsured", idempotency_key=key
    )
    assert due.estimate is not None
    return due.estimate


def test_an_issued_estimate_tells_the_patient_without_amounts_or_services(clinic: Clinic, priced: PricedVisit) -> None:
    estimate = _request(clinic, priced, "k1")
    _request(clinic, priced, "k1")  # the same request again: no second estimate, no second notice

    notice = Notice.objects.get(kind=notifications.Kind.ESTIMATE_ISSUED)
    words = notifications.estimate_words(notice)
    assert notice.patient_id == clinic.patient.pk
    assert notice.link.startswith("/billing/n/")
    for text in (words.subject, words.body, words.sms):
        assert "$" not in text
        assert str(estimate.total_cents // 100) not in text
        assert clinic.follow_up.label not in text
        assert "99213" not in text


def test_the_notice_link_opens_the_estimate_for_its_patient_only(
    clinic: Clinic, priced: PricedVisit, client: Client
) -> None:
    estimate = _request(clinic, priced, "k1")
    link = notifications.link_path(user_id=clinic.patient.user_id, what="estimate", object_id=estimate.pk)
    sign_in(client, clinic.patient.user)

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == f"/p/{clinic.patient.pk}/billing/estimates/{estimate.pk}/"
