"""Fixtures for the billing tests: claims imported through records' importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.factories import OrganizationFactory
from portal.models import Organization, Patient
from records.services.imports import import_run_create, import_run_execute
from tests.records.conftest import BUNDLE


def shared_bundles() -> Path | None:
    """../shared/data's Synthea bundles beside the checkout, when present."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "synthea-r4-bundles"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture
def hospital(db: None) -> Organization:
    return OrganizationFactory(name="Synthea General", slug="synthea-general", kind=Organization.Kind.HOSPITAL)


def import_bundle(source: Organization, path: Path) -> Patient:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    import_run_execute(run_id=run.pk, path=path)
    return Patient.objects.order_by("-created_at").first()  # type: ignore[return-value]


@pytest.fixture
def kihn(hospital: Organization) -> Patient:
    """Michael Kihn (the repo's fixture bundle): five claims, each with its explanation of benefit."""
    return import_bundle(hospital, BUNDLE)
