"""Refills tests: a clinic with a refill pool and a prescriber inbox, and real Synthea patients
imported through records' importer (../shared/data), so every action and check runs on data
nobody here wrote."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from messaging.factories import BusinessCalendarFactory, PoolFactory, SlaPolicyFactory
from messaging.models import Category, Pool, Thread
from portal.access import Access, Action, resolve
from portal.factories import OrganizationFactory, StaffMemberFactory
from portal.models import Organization, Patient, StaffMember, StaffRole, User
from records.models import SourcePatientLink
from records.services.imports import import_run_create, import_run_execute
from refills.models import Pharmacy
from refills.services.protocols import load_starter_protocols, protocols_approve
from tests.clock import CLINIC_ZONE


def _shared() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if (candidate / "bulk-ndjson-us-core").is_dir():
            return candidate
    return None


SHARED = _shared()
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data is not here")
# A Synthea patient of the bulk export with metformin, lisinopril and simvastatin active.
DIABETIC = "79a66c97-6131-3213-f3c9-4606946ab056"
METFORMIN, LISINOPRIL, SIMVASTATIN = "860975", "314076", "312961"
METFORMIN_ACTIVE = "a3b77a89-c783-8983-80df-c21ebbaf0a1d"  # authored 1993-10-23, the newest
MEPERIDINE = "861467"  # Schedule II; stopped in 1980 in the export
EPOETIN = "205923"  # the newest prescription stopped
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CLINIC_ZONE)


def key(code: str) -> str:
    return f"medication:{RXNORM}|{code}"


@dataclass
class Clinic:
    home: Organization
    refill_pool: Pool
    physicians: Pool
    nurse: StaffMember
    assistant: StaffMember
    doctor: StaffMember
    pharmacy: Pharmacy

    def access(self, user: User, patient: Patient, action: str = Action.REFILLS) -> Access:
        found = resolve(user, patient, action)
        assert found is not None
        return found


@pytest.fixture
def clinic(db: None) -> Clinic:
    home = OrganizationFactory(
        name="Synthea General", slug="synthea-general", time_zone="America/Chicago", phone="555-0100"
    )
    BusinessCalendarFactory(organization=home)

    def staff(role: str, credentials: str, name: str) -> StaffMember:
        return StaffMemberFactory(organization=home, role=role, credentials=credentials, user__full_name=name)

    nurse = staff(StaffRole.NURSE, "RN", "Ana Lopez")
    assistant = staff(StaffRole.MEDICAL_ASSISTANT, "MA", "Max Field")
    doctor = staff(StaffRole.PHYSICIAN, "MD", "Samuel Okafor")
    refill_pool = PoolFactory(
        organization=home, name="Refills", kind=Pool.Kind.REFILLS, lead=nurse, members=[nurse, assistant]
    )
    physicians = PoolFactory(
        organization=home, name="Physicians", kind=Pool.Kind.PHYSICIAN_INBOX, lead=doctor, members=[doctor]
    )
    # The clinic's promise for refills: two business days.
    SlaPolicyFactory(
        organization=home, category=Category.REFILL, urgency=Thread.Urgency.NORMAL, first_response_minutes=2 * 9 * 60
    )
    SlaPolicyFactory(organization=home, category=None, urgency=Thread.Urgency.URGENT, first_response_minutes=120)
    load_starter_protocols()
    # A clinician approved them for use (pending ones send everything to the prescriber).
    protocols_approve(clinician="Dr. Rivera (medical director)", on=date(2026, 1, 5))
    pharmacy = Pharmacy.objects.create(
        name="Main Street Pharmacy", address="12 Main St", phone="555-0142", ncpdp_id="1234567"
    )
    return Clinic(home, refill_pool, physicians, nurse, assistant, doctor, pharmacy)


Edit = Callable[[dict[str, Any]], None]


def import_diabetic(
    home: Organization,
    tmp_path: Path,
    edits: dict[str, Edit] | None = None,
    *,
    names: tuple[str, ...] = ("Patient", "MedicationRequest", "Condition"),
) -> Patient:
    """The diabetic patient's lines of the export, copied unchanged except `edits` (by resource id:
    a test that needs what Synthea never writes, e.g. a dispense request, says so by its edit)."""
    assert SHARED is not None
    export = SHARED / "bulk-ndjson-us-core"
    subset = tmp_path / "export"
    subset.mkdir()
    for name in names:
        kept = []
        for line in (export / f"{name}.000.ndjson").read_text().splitlines():
            if DIABETIC not in line:
                continue
            resource = json.loads(line)
            if edits and resource.get("id") in edits:
                edits[resource["id"]](resource)
                line = json.dumps(resource)
            kept.append(line)
        (subset / f"{name}.000.ndjson").write_text("\n".join(kept) + "\n")
    run = import_run_create(source=home, path=subset, create_missing_patients=True)
    import_run_execute(run_id=run.pk, path=subset)
    patient = SourcePatientLink.objects.get(source_patient_id=DIABETIC).patient
    _with_login(patient)
    return patient


def import_bundle(home: Organization, name: str) -> Patient:
    assert SHARED is not None
    (path,) = (SHARED / "synthea-r4-bundles").glob(f"{name}_*.json")
    run = import_run_create(source=home, path=path, create_missing_patients=True)
    import_run_execute(run_id=run.pk, path=path)
    patient = Patient.objects.order_by("-created_at").first()
    assert patient is not None
    _with_login(patient)
    return patient


def _with_login(patient: Patient) -> None:
    from portal.factories import UserFactory

    if patient.user is None:
        patient.user = UserFactory()
        patient.save(update_fields=["user"])


def form_key() -> str:
    return uuid4().hex
