"""The authorization matrix of the refills pages. Patient pages: the patient and a caregiver with
the refills scope get in ("patient_side"); everyone else, staff included (they work from the
queue), gets 404 or the login page, and nothing is written, leaked or sent. Staff pages: staff of
the patient's clinic whose work includes refills; nobody else."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from portal.access import Action
from portal.access import resolve as resolve_access
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import Scope, StaffRole
from refills.models import Pharmacy
from refills.services.protocols import load_starter_protocols
from refills.services.requests import request_submit
from tests.authz import ACTORS, ALLOWED, Endpoint, Url, World, check_endpoint, patient_url
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, prescription, result
from tests.refills.conftest import form_key, key

assert "patient_side" in ALLOWED


def _arrange(world: World) -> None:
    """Lisinopril requested already; atorvastatin free to request; two pharmacies."""
    load_starter_protocols()
    patient = world.patient
    prescription(patient, LISINOPRIL)
    prescription(patient, ATORVASTATIN)
    result(patient, "6298-4", "4.2")
    world.items["pharmacy"] = Pharmacy.objects.create(name="Main Street Pharmacy", address="12 Main St")
    world.items["other_pharmacy"] = Pharmacy.objects.create(name="Corner Drugs", address="3 Oak Ave")
    access = resolve_access(patient.user, patient, Action.REFILLS)
    (world.items["request"],) = request_submit(
        access=access,  # type: ignore[arg-type]
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=world.items["pharmacy"].pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )


def _page(name: str, **items: str) -> Url:
    return patient_url(name, **{k: (lambda world, item=item: world.items[item].pk) for k, item in items.items()})


def _endpoint(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, scope=Scope.REFILLS, arrange=_arrange, **kwargs)


def _request_form(world: World) -> dict[str, Any]:
    return {
        "medicines": [key(ATORVASTATIN[0])],
        "pharmacy": world.items["pharmacy"].pk,
        "days_supply": 90,
        "note": "",
        "idempotency_key": form_key(),
    }


ENDPOINTS = [
    _endpoint("medicines", _page("refills_home")),
    _endpoint("request form", _page("refills_new")),
    _endpoint("send a request", _page("refills_new"), method="post", data=_request_form, ok_status=302),
    _endpoint("request page", _page("refills_request", request_id="request")),
    _endpoint("cancel a request", _page("refills_cancel", request_id="request"), method="post", ok_status=302),
    _endpoint("pharmacies", _page("refills_pharmacies")),
    _endpoint(
        "choose a pharmacy",
        _page("refills_pharmacies"),
        method="post",
        data=lambda world: {"pharmacy": world.items["other_pharmacy"].pk},
        ok_status=302,
    ),
    _endpoint(
        "add a pharmacy",
        _page("refills_pharmacies"),
        method="post",
        data=lambda world: {"add": "1", "name": "New Pharmacy", "address": "9 Elm St", "phone": ""},
        ok_status=302,
    ),
]


def _refill_rows() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("refills").get_models()}


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_patient_refills_authorization(endpoint: Endpoint, actor: str) -> None:
    rows: dict[str, dict[str, int]] = {}
    original = endpoint.arrange

    def arrange(world: World) -> None:
        original(world)
        rows["before"] = _refill_rows()

    check_endpoint(replace(endpoint, arrange=arrange), actor)
    if actor not in ALLOWED["patient_side"]:
        assert _refill_rows() == rows["before"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "queue_status", "status"),
    [
        ("clinic_nurse", 200, 200),
        ("clinic_assistant", 200, 200),
        ("clinic_physician", 200, 200),
        ("clinic_front_desk", 404, 404),
        ("other_clinic_nurse", 200, 404),  # her own clinic's queue, without this patient
        ("the_patient", 404, 404),
    ],
)
def test_the_staff_queue_and_review_are_for_the_clinics_refill_staff(who: str, queue_status: int, status: int) -> None:
    home = OrganizationFactory()
    patient = PatientFactory(home_organization=home, family_name="Vexmoorhaven")
    world = World(patient=patient, open_grant=None)  # type: ignore[arg-type]
    _arrange(world)
    roles = {
        "clinic_nurse": (home, StaffRole.NURSE),
        "clinic_assistant": (home, StaffRole.MEDICAL_ASSISTANT),
        "clinic_physician": (home, StaffRole.PHYSICIAN),
        "clinic_front_desk": (home, StaffRole.FRONT_DESK),
        "other_clinic_nurse": (OrganizationFactory(), StaffRole.NURSE),
    }
    if who == "the_patient":
        client = sign_in(Client(), patient.user)
    else:
        organization, role = roles[who]
        client = sign_in(Client(), StaffMemberFactory(organization=organization, role=role).user, second_factor=True)
    refill = world.items["request"]

    queue = client.get(reverse("staff_refills"))
    page = client.get(reverse("staff_refills_request", kwargs={"request_id": refill.pk}))

    assert (queue.status_code, page.status_code) == (queue_status, status)
    if status == 200:
        assert "lisinopril 10 MG Oral Tablet" in queue.content.decode()
        assert "Vexmoorhaven" in page.content.decode()
    elif who != "the_patient":  # the patient's own name is in her header
        assert "Vexmoorhaven" not in queue.content.decode() + page.content.decode()
