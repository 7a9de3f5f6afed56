"""Small arrangements for the refills flow tests: a patient of the clinic with prescriptions and
results written as the importer writes them (records' factories), so a test reads fast."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from portal.factories import PatientFactory
from portal.models import Patient
from records.factories import RecordItemFactory
from records.models import RecordItem
from tests.refills.conftest import RXNORM, Clinic, key

LISINOPRIL = ("314076", "lisinopril 10 MG Oral Tablet")
ATORVASTATIN = ("617310", "atorvastatin 20 MG Oral Tablet")


def prescription(
    patient: Patient, drug: tuple[str, str], *, days_ago: int = 60, source: Any = None, **fields: Any
) -> RecordItem:
    code, display = drug
    source = source or patient.home_organization
    return RecordItemFactory(
        patient=patient,
        source=source,
        record__resource_type="MedicationRequest",
        kind=RecordItem.Kind.MEDICATION,
        code_system=RXNORM,
        code=code,
        display=display,
        category="",
        status="active",
        effective_at=timezone.now() - timedelta(days=days_ago),
        value_number=None,
        unit="",
        value_text="Take 1 tablet by mouth once a day.",
        dedup_key=key(code),
        **fields,
    )


def result(patient: Patient, code: str, value: str, *, days_ago: int = 30, display: str = "Potassium") -> RecordItem:
    return RecordItemFactory(
        patient=patient,
        source=patient.home_organization,
        code=code,
        display=display,
        value_number=Decimal(value),
        unit="mmol/L",
        effective_at=timezone.now() - timedelta(days=days_ago),
    )


def visit(patient: Patient, *, days_ago: int) -> RecordItem:
    return RecordItemFactory(
        patient=patient,
        source=patient.home_organization,
        kind=RecordItem.Kind.VISIT,
        code_system="http://snomed.info/sct",
        code="185349003",
        display="Encounter for check up",
        category="",
        value_number=None,
        unit="",
        effective_at=timezone.now() - timedelta(days=days_ago),
    )


def patient_with_two(clinic: Clinic) -> Patient:
    """Lisinopril (potassium 4.2 a month ago: every check passes) and atorvastatin (no lipid
    panel on record: its check fails)."""
    patient = PatientFactory(home_organization=clinic.home)
    prescription(patient, LISINOPRIL)
    prescription(patient, ATORVASTATIN)
    result(patient, "6298-4", "4.2")
    return patient
