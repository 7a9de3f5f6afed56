"""The e-visit pages asked by every kind of actor: staff who may reach the patient's messages get
in; patients, caregivers, strangers and staff of other clinics get 404 (anonymous: the login page),
and nothing is written for them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from messaging.factories import MessageFactory, ThreadFactory
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory
from portal.models import Scope, StaffRole
from tests.authz import ACTORS, Endpoint, Url, World, check_endpoint
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _a_thread(world: World) -> None:
    thread = ThreadFactory(patient=world.patient)
    MessageFactory(thread=thread)
    world.items["thread"] = thread


def _thread_url(name: str) -> Url:
    return Url(name, lambda world: reverse(name, args=[world.items["thread"].pk]))


ENDPOINTS = [
    # A beat writes time but no audit event (see messaging.services.evisit).
    Endpoint(
        "evisit beat",
        "staff_only",
        _thread_url("evisit_time"),
        method="post",
        data=lambda world: {"seconds": "30"},
        scope=Scope.MESSAGING,
        ok_status=204,
        audited=False,
        arrange=_a_thread,
    ),
    Endpoint("evisit panel", "staff_only", _thread_url("evisit_panel"), scope=Scope.MESSAGING, arrange=_a_thread),
    Endpoint(
        "evisit adjust",
        "staff_only",
        _thread_url("evisit_adjust"),
        method="post",
        data=lambda world: {"minutes": "5", "reason": "Phone call"},
        scope=Scope.MESSAGING,
        ok_status=302,
        arrange=_a_thread,
    ),
    # The staff who get in are refused by the rules, with the reason on the panel (the nurse is
    # not a billing clinician; the care-team physician works for another practice, and spent no
    # time): 400, the panel shown again, its view audited.
    Endpoint(
        "evisit confirm",
        "staff_only",
        _thread_url("evisit_confirm"),
        method="post",
        data=lambda world: {"code": "99421"},
        scope=Scope.MESSAGING,
        ok_status=400,
        arrange=_a_thread,
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_matrix(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


# The report is about no one patient: billing staff and qualified clinicians get in; everyone else
# gets 404 (anonymous: the login page).
def _report_actors() -> dict[str, Any]:
    patient = PatientFactory()
    home = patient.home_organization
    return {
        "patient": patient.user,
        "caregiver": ProxyGrantFactory(patient=patient, scopes=list(Scope.values)).grantee,
        "nurse": StaffMemberFactory(organization=home, role=StaffRole.NURSE, credentials="RN").user,
        "front desk": StaffMemberFactory(organization=home, role=StaffRole.FRONT_DESK, credentials="").user,
        "administrator": StaffMemberFactory(organization=home, role=StaffRole.ADMINISTRATOR, credentials="").user,
        "billing": StaffMemberFactory(organization=home, role=StaffRole.BILLING, credentials="").user,
        "physician": StaffMemberFactory(organization=home, role=StaffRole.PHYSICIAN, credentials="MD").user,
        "nurse practitioner": StaffMemberFactory(organization=home, role=StaffRole.NURSE, credentials="FNP").user,
        "social worker": StaffMemberFactory(organization=home, role=StaffRole.NURSE, credentials="LCSW").user,
    }


REPORT_ALLOWED = {"billing", "physician", "nurse practitioner", "social worker"}


def test_report_is_for_billing_staff_and_clinicians() -> None:
    url = reverse("evisit_report")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))

    answers = {}
    for name, user in _report_actors().items():
        client = sign_in(Client(), user, second_factor=name not in {"patient", "caregiver"})
        answers[name] = client.get(url).status_code

    assert answers == {name: 200 if name in REPORT_ALLOWED else 404 for name in answers}
