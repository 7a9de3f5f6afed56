"""The record pages on data written by others, in a real browser at a phone's and a laptop's size:
the HL7 US Core examples sent by two places. Documents (a report's PDF, a file the source kept, a
picture), visits without a date, devices without a UDI and lines from two places read sensibly and
pass axe (WCAG 2.x A/AA), with every "From 2 places" opened too."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from portal.factories import OrganizationFactory, UserFactory
from portal.models import Organization
from records.models import RecordItem, SourcePatientLink, SourceRecord
from records.services.imports import import_run_create, import_run_execute
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e

US_CORE = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "us-core"  # CC0, from ../shared/data


def _import(source: Organization, path: Path, *, create: bool) -> None:
    run = import_run_create(source=source, path=path, create_missing_patients=create)
    import_run_execute(run_id=run.pk, path=path)


def two_places_send_the_us_core_examples() -> SourceRecord:
    resources = [json.loads(p.read_text()) for p in sorted(US_CORE.glob("*.json"))]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
    hospital = OrganizationFactory(name="Holy Family Hospital", slug="holy-family", kind=Organization.Kind.HOSPITAL)
    lab = OrganizationFactory(name="Acme Lab", slug="acme-lab", kind=Organization.Kind.LAB)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "us-core.json"
        path.write_text(json.dumps(bundle))
        _import(hospital, path, create=True)
        for record in SourceRecord.objects.filter(source=hospital, resource_type="Patient"):
            SourcePatientLink.objects.create(
                source=lab, source_patient_id=record.resource_id, patient=record.patient, matched_by="review"
            )
        _import(lab, path, create=False)
    return SourceRecord.objects.get(source=hospital, resource_type="Patient", resource_id="example")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_us_core_examples_from_two_places_read_well(new_context, live_server, viewport: str) -> None:
    person = two_places_send_the_us_core_examples().patient
    person.user = UserFactory(full_name="Amy Shaw")
    person.save()
    report = RecordItem.objects.filter(patient=person, kind=RecordItem.Kind.REPORT, attachments__size__gt=0).first()
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, person.user)
    page = context.new_page()
    problems = []

    for slug in ("documents", "visits", "devices", "medications", "results", f"documents/{report.pk}"):
        response = page.goto(f"/p/{person.pk}/record/{slug}/")
        assert response is not None and response.status == 200, slug
        for summary in page.locator("details.places > summary").all():
            summary.click()
        screenshot(page, f"records-real-data-{slug.replace('/', '-')}")
        if violations := axe_violations(page):
            problems.append(f"{slug} at {viewport}:\n{describe_violations(violations)}")

    assert not problems, "\n\n".join(problems)
    page.goto(f"/p/{person.pk}/record/medications/")
    first = page.locator("details.places").first
    expect(first.locator("a")).to_have_count(2)
    expect(first.locator("a").first).not_to_be_visible()
    first.locator("summary").click()
    expect(first.locator("a").first).to_be_visible()
