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
from django.utils import timezone

from portal.access import Action
from portal.access import resolve as resolve_access
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import Scope, StaffRole
from refills import notifications
from refills.models import Pharmacy
from refills.services.protocols import load_starter_protocols, protocols_approve
from refills.services.requests import request_submit
from tests.authz import ACTORS, ALLOWED, ANONYMOUS, SELF, Endpoint, Url, World, check_endpoint, patient_url
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, prescription, result, visit
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


def _arrange_align(world: World) -> None:
    """As `_arrange`, and atorvastatin taken for over a year, a visit 100 days ago and the
    protocols approved: a renewal to the annual visit is offered for atorvastatin."""
    _arrange(world)
    protocols_approve(clinician="Dr. Rivera", on=timezone.localdate())
    prescription(world.patient, ATORVASTATIN, days_ago=500)
    visit(world.patient, days_ago=100)


def _align_form(world: World) -> dict[str, Any]:
    return {"pharmacy": world.items["pharmacy"].pk, "idempotency_key": form_key()}


def _notice_link(world: World) -> str:
    return notifications.link_path(user_id=world.patient.user_id, request_id=world.items["request"].pk)


# Anyone signed in but the patient gets "this link is not yours" (403); nothing written or leaked.
NOT_THEIRS = {actor: 403 for actor in ACTORS if actor not in (ANONYMOUS, SELF)}

ENDPOINTS = [
    _endpoint("medicines", _page("refills_home")),
    _endpoint("request form", _page("refills_new")),
    _endpoint("send a request", _page("refills_new"), method="post", data=_request_form, ok_status=302),
    _endpoint("request page", _page("refills_request", request_id="request")),
    _endpoint("cancel a request", _page("refills_cancel", request_id="request"), method="post", ok_status=302),
    _endpoint("pharmacies", _page("refills_pharmacies")),
    Endpoint("annual renewal", "patient_side", _page("refills_align"), scope=Scope.REFILLS, arrange=_arrange_align),
    Endpoint(
        "send an annual renewal",
        "patient_side",
        _page("refills_align"),
        method="post",
        data=_align_form,
        ok_status=302,
        scope=Scope.REFILLS,
        arrange=_arrange_align,
    ),
    Endpoint(
        "a refill notice's link",
        "patient_only",
        Url("refills_notice_link", _notice_link),
        scope=Scope.REFILLS,
        arrange=_arrange,
        ok_status=302,
        audited=False,  # it only checks the link and redirects; the request page audits the read
        declined=NOT_THEIRS,
    ),
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
    metrics = client.get(reverse("staff_refills_metrics"))

    assert (queue.status_code, page.status_code, metrics.status_code) == (queue_status, status, queue_status)
    if status == 200:
        assert "lisinopril 10 MG Oral Tablet" in queue.content.decode()
        assert "Vexmoorhaven" in page.content.decode()
    elif who != "the_patient":  # the patient's own name is in her header
        assert "Vexmoorhaven" not in queue.content.decode() + page.content.decode()
