"""Fixtures for the records tests: sources and the FHIR files written by others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import Application

from portal.factories import OrganizationFactory, UserFactory
from portal.models import Organization, Patient
from records.services.imports import import_run_create, import_run_execute
from tests.conftest import sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fhir"
BUNDLE = FIXTURES / "Michael_Kihn_376f9fc0-ecd8-468a-ad93-3534a14561a3.json"
NDJSON = FIXTURES / "ndjson"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
# Where the SMART app of the FHIR API tests sends the person back to.
REDIRECT = "https://app.example.org/callback"


@pytest.fixture
def source(db: None) -> Organization:
    return OrganizationFactory(name="Riverside Cardiology", slug="riverside", kind=Organization.Kind.SPECIALTY)


def bundle_of(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r.get('id', 'x')}", "resource": r} for r in resources],
    }


def write_json(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return path


@pytest.fixture
def imported(source) -> Patient:
    """The Synthea patient, imported from their bundle, with their own portal login."""
    run = import_run_create(source=source, path=BUNDLE, create_missing_patients=True)
    import_run_execute(run_id=run.pk, path=BUNDLE)
    patient = Patient.objects.get()
    patient.user = UserFactory()
    patient.save()
    return patient


@pytest.fixture
def me(imported) -> Client:
    return sign_in(Client(), imported.user)


@pytest.fixture
def app() -> Application:
    return Application.objects.create(
        name="Health Tracker",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        algorithm="",
    )
