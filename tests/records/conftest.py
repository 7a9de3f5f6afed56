"""Fixtures for the records tests: sources and the FHIR files written by others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal.factories import OrganizationFactory
from portal.models import Organization

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fhir"
BUNDLE = FIXTURES / "Michael_Kihn_376f9fc0-ecd8-468a-ad93-3534a14561a3.json"
NDJSON = FIXTURES / "ndjson"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


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
