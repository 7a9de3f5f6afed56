"""Each action the medicines page offers, computed on a real Synthea patient imported through
records' importer. The clock is moved to days that make the prescriptions current, ended, or
long ended. Where a reason needs what Synthea never writes (a dispense request, an active
Schedule II prescription) the test edits that one resource of the copy and says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from portal.factories import OrganizationFactory
from refills.actions import Action
from refills.selectors.patient import actions_by_key, medicine_actions
from refills.services.requests import request_submit
from tests.clock import CLINIC_ZONE
from tests.refills.conftest import (
    EPOETIN,
    LISINOPRIL,
    MEPERIDINE,
    METFORMIN,
    METFORMIN_ACTIVE,
    SIMVASTATIN,
    Clinic,
    form_key,
    import_diabetic,
    key,
    local,
    needs_shared,
)

pytestmark = [pytest.mark.django_db, needs_shared]


def _actions(clinic: Clinic, patient: Any) -> dict[str, Any]:
    access = clinic.access(patient.user, patient)
    return actions_by_key(access, today=timezone.localdate(timezone.now(), CLINIC_ZONE))


def _dispense(repeats: int, days: int) -> Any:
    def edit(resource: dict[str, Any]) -> None:
        resource["dispenseRequest"] = {
            "numberOfRepeatsAllowed": repeats,
            "expectedSupplyDuration": {"value": days, "unit": "d"},
        }

    return edit


def test_no_refills_on_the_prescription_offers_a_renewal(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path)
    clock.move_to(local(1994, 1, 10))

    found = _actions(clinic, patient)[key(METFORMIN)]

    # Synthea writes no dispense request: no refills, a year's validity from 1993-10-23.
    assert (found.action, found.refills_left, found.ends_on) == (Action.RENEWAL, 0, date(1994, 10, 23))
    assert found.prescription.record.resource_id == METFORMIN_ACTIVE
    assert found.protocol.key == "metformin"


def test_ended_within_120_days_still_offers_a_renewal_and_later_says_why_not(
    clinic: Clinic, tmp_path: Path, clock
) -> None:
    patient = import_diabetic(clinic.home, tmp_path)

    clock.move_to(local(1995, 2, 20))  # 120 days after 1994-10-23
    assert _actions(clinic, patient)[key(LISINOPRIL)].action == Action.RENEWAL
    clock.move_to(local(1995, 2, 21))
    ended = _actions(clinic, patient)[key(LISINOPRIL)]
    assert (ended.action, ended.ends_on) == (Action.ENDED, date(1994, 10, 23))


def test_refills_left_offer_a_refill(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path, {METFORMIN_ACTIVE: _dispense(3, 30)})
    clock.move_to(local(1993, 11, 20))  # the 30 days from 1993-10-23 end in 3 days: not too early

    found = _actions(clinic, patient)[key(METFORMIN)]

    assert (found.action, found.refills_left) == (Action.REFILL, 3)


def test_too_early_while_the_last_supply_lasts_more_than_a_week(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path, {METFORMIN_ACTIVE: _dispense(3, 30)})
    clock.move_to(local(1993, 11, 1))

    found = _actions(clinic, patient)[key(METFORMIN)]

    assert (found.action, found.covered_until, found.days_left) == (Action.TOO_EARLY, date(1993, 11, 22), 21)


def test_the_newest_prescription_stopped_is_discontinued(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path)
    clock.move_to(local(1994, 1, 10))

    assert _actions(clinic, patient)[key(EPOETIN)].action == Action.DISCONTINUED


def test_a_schedule_ii_medicine_is_by_phone_or_visit_only(clinic: Clinic, tmp_path: Path, clock) -> None:
    # The export stopped its meperidine in 1980; made active here so only the schedule decides.
    def active(resource: dict[str, Any]) -> None:
        resource["status"] = "active"

    patient = import_diabetic(clinic.home, tmp_path, {_resource_id(MEPERIDINE): active})
    clock.move_to(local(1980, 6, 20))

    found = _actions(clinic, patient)[key(MEPERIDINE)]

    assert (found.action, found.protocol.key) == (Action.CONTROLLED, "schedule_ii")


def test_prescribed_by_another_organization_names_it_and_its_phone(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path)
    patient.home_organization = OrganizationFactory(name="Lakeside Primary Care")  # the patient moved clinics
    patient.save(update_fields=["home_organization"])
    clock.move_to(local(1994, 1, 10))

    found = _actions(clinic, patient)[key(SIMVASTATIN)]

    assert (found.action, found.prescriber.name, found.prescriber.phone) == (
        Action.OUTSIDE,
        "Synthea General",
        "555-0100",
    )


def test_an_open_request_is_already_requested_with_its_link(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path)
    clock.move_to(local(1994, 1, 10))
    access = clinic.access(patient.user, patient)
    (made,) = request_submit(
        access=access,
        actor=patient.user,
        medication_keys=[key(SIMVASTATIN)],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )

    found = _actions(clinic, patient)[key(SIMVASTATIN)]

    assert (found.action, found.open_request) == (Action.REQUESTED, made)


def test_the_page_list_is_the_record_pages_list_one_line_per_medicine(clinic: Clinic, tmp_path: Path, clock) -> None:
    patient = import_diabetic(clinic.home, tmp_path)
    clock.move_to(local(1994, 1, 10))
    access = clinic.access(patient.user, patient)

    listed = medicine_actions(access=access, actor=patient.user, today=timezone.localdate(timezone.now(), CLINIC_ZONE))

    # 13 medicines in 1,036 prescriptions: each once (records' dedup key), newest first.
    assert len(listed) == 13
    assert len({m.key for m in listed}) == 13
    by_key = {m.key: m.action for m in listed}
    assert by_key[key(METFORMIN)] == by_key[key(LISINOPRIL)] == by_key[key(SIMVASTATIN)] == Action.RENEWAL


def _resource_id(code: str) -> str:
    import json

    from tests.refills.conftest import DIABETIC, SHARED

    assert SHARED is not None
    for line in (SHARED / "bulk-ndjson-us-core" / "MedicationRequest.000.ndjson").read_text().splitlines():
        if DIABETIC in line and f'"code":"{code}"' in line:
            return json.loads(line)["id"]
    raise AssertionError(code)
