"""axe-core on every page of the records app, at a phone's and a laptop's size: no WCAG 2.x A/AA violation.

The pages are reached in tours: one person's browser, one set of data, several pages in a row,
each checked as it is reached (a screenshot, then axe). A tour per data set keeps the run short
(each browser test costs a database flush), and a page reached by sending a form is checked in
the state a person really sees: errors shown, a new link on screen, a result just released.
Every violation of every page of a tour is listed before the test fails.

The data is what such a person would have: one record from three places (a clinic, a lab and a
hospital), results under a report with one flagged high, home readings, share links, an import
with problems, held results, care tasks. It is built with the factories and the services.

`test_every_records_page_is_toured` keeps the tours honest: every page URL of the records app is
visited by some tour (the others are named below with the reason they are not pages).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.urls import URLPattern, URLResolver, resolve
from django.utils import timezone
from oauth2_provider.models import Application
from playwright.sync_api import BrowserContext, Page, expect

from portal.access import Action, access_patient
from portal.factories import OrganizationFactory, PatientFactory, ProxyGrantFactory, StaffMemberFactory, UserFactory
from portal.models import Organization, Patient, Scope, StaffRole, User
from records.factories import RecordItemFactory
from records.models import RecordItem, ReleaseRule
from records.services import corrections, readings, release, sharing
from records.services.imports import import_run_create, import_run_execute
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e

Kind = RecordItem.Kind
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
ROSA_BORN = date(1967, 4, 12)


# --- The tour ----------------------------------------------------------------------------------


@dataclass
class Tour:
    """One person's browser going from page to page; `check` looks at the page as it is now."""

    context: BrowserContext
    page: Page
    base_url: str
    viewport: str
    problems: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)  # the URL names of the pages checked

    def as_user(self, user: User, *, second_factor: bool = False) -> None:
        sign_in(self.context, self.base_url, user, second_factor=second_factor)

    def open(self, path: str, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None, path
        assert response.status == status, f"{path} answered {response.status}, expected {status}"

    def submit(self, button: str) -> None:
        """Press a form's button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()

    def check(self, name: str) -> None:
        """Screenshot the page, then note every axe violation on it (the test fails at the end of the tour)."""
        # The page is styled (its stylesheet really loaded), so colour contrast is checked as users see it.
        font = self.page.evaluate("getComputedStyle(document.body).fontFamily")
        assert font.startswith("system-ui"), f"{name}: portal.css did not load"
        screenshot(self.page, f"records-{name}")
        self.visited.add(resolve(urlsplit(self.page.url).path).view_name)
        violations = axe_violations(self.page)
        if violations:
            self.problems.append(f"{name} at {self.viewport} ({self.page.url}):\n{describe_violations(violations)}")

    def visit(self, name: str, path: str, status: int = 200) -> None:
        self.open(path, status)
        self.check(name)


# url names (namespaced like resolve().view_name) each tour must check; see test_every_records_page_is_toured.
TOURS: dict[str, tuple[Callable[[Tour], None], frozenset[str]]] = {}


def tour(name: str, *covers: str) -> Callable[[Callable[[Tour], None]], Callable[[Tour], None]]:
    def register(walk: Callable[[Tour], None]) -> Callable[[Tour], None]:
        TOURS[name] = (walk, frozenset(covers))
        return walk

    return register


# --- The people and their record -------------------------------------------------------------------


@dataclass
class Places:
    clinic: Organization
    lab: Organization
    hospital: Organization


def places() -> Places:
    return Places(
        clinic=OrganizationFactory(
            name="Lakeside Family Clinic", slug="lakeside", kind=Organization.Kind.HOME_CLINIC, phone="+1 555 010 0100"
        ),
        lab=OrganizationFactory(name="Northgate Labs", slug="northgate-labs", kind=Organization.Kind.LAB),
        hospital=OrganizationFactory(
            name="St. Mary's Regional Hospital", slug="st-marys", kind=Organization.Kind.HOSPITAL
        ),
    )


def rosa(at: Places) -> Patient:
    return PatientFactory(
        given_name="Rosa",
        family_name="Delgado",
        birth_date=ROSA_BORN,
        gender=Patient.Gender.FEMALE,
        home_organization=at.clinic,
        user=UserFactory(full_name="Rosa Delgado"),
    )


def nurse(at: Places) -> User:
    return StaffMemberFactory(organization=at.clinic, user=UserFactory(full_name="Ana Lopez")).user


def ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


@dataclass
class Record:
    patient: Patient
    wbc: RecordItem  # flagged high, under the blood count report
    hypertension: RecordItem  # listed by the clinic and the hospital
    discharge: RecordItem  # a document with text


def record(at: Places) -> Record:
    """Rosa's record: results from the lab, problems, medicines, allergies and vaccines that two
    places both list, visits, a procedure and documents."""
    patient = rosa(at)

    def item(source: Organization, **fields: Any) -> RecordItem:
        return RecordItemFactory(patient=patient, source=source, **fields)

    def twice(**fields: Any) -> RecordItem:
        """The same thing from the clinic and the hospital: the list shows it once, "From 2 places"."""
        key = f"{fields['kind']}:{fields['code_system']}|{fields['code']}"
        item(at.hospital, dedup_key=key, **{**fields, "effective_at": fields["effective_at"] - timedelta(days=40)})
        return item(at.clinic, dedup_key=key, **fields)

    lab_day = ago(3)
    cbc = item(
        at.lab,
        kind=Kind.REPORT,
        code="58410-2",
        display="CBC panel - Blood by Automated count",
        effective_at=lab_day,
        value_number=None,
        unit="",
        status="final",
    )
    blood_count = [
        ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "11.8", "10*3/uL", "4.0", "11.0", "H"),
        ("718-7", "Hemoglobin [Mass/volume] in Blood", "13.2", "g/dL", "12.0", "15.5", "N"),
        ("777-3", "Platelets [#/volume] in Blood by Automated count", "262", "10*3/uL", "150", "400", "N"),
    ]
    wbc, *_others = [
        item(
            at.lab,
            report=cbc,
            code=code,
            display=display,
            effective_at=lab_day,
            value_number=Decimal(value),
            unit=unit,
            reference_low=Decimal(low),
            reference_high=Decimal(high),
            interpretation=flag,
        )
        for code, display, value, unit, low, high, flag in blood_count
    ]
    for days, value in ((365, "6.8"), (180, "6.5"), (3, "6.1")):  # the A1c trend: three values
        item(
            at.lab,
            effective_at=ago(days),
            value_number=Decimal(value),
            reference_low=Decimal("4.0"),
            reference_high=Decimal("5.6"),
            interpretation="H",
        )
    item(
        at.clinic,
        kind=Kind.VITAL,
        code="8480-6",
        display="Systolic blood pressure",
        category="vital-signs",
        effective_at=ago(20),
        value_number=Decimal(132),
        unit="mm[Hg]",
    )
    common = {"value_number": None, "unit": "", "category": ""}
    hypertension = twice(
        kind=Kind.PROBLEM,
        code_system=SNOMED,
        code="59621000",
        display="Essential hypertension",
        status="active",
        effective_at=ago(400),
        **common,
    )
    item(
        at.clinic,
        kind=Kind.PROBLEM,
        code_system=SNOMED,
        code="195967001",
        display="Asthma",
        status="active",
        effective_at=ago(2000),
        **common,
    )
    twice(
        kind=Kind.MEDICATION,
        code_system=RXNORM,
        code="314076",
        display="lisinopril 10 MG Oral Tablet",
        value_text="Take 1 tablet by mouth once a day.",
        status="active",
        effective_at=ago(60),
        **common,
    )
    item(
        at.clinic,
        kind=Kind.MEDICATION,
        code_system=RXNORM,
        code="861004",
        display="metformin hydrochloride 1000 MG Oral Tablet",
        value_text="Take 1 tablet by mouth twice a day with meals.",
        status="active",
        effective_at=ago(90),
        **common,
    )
    twice(
        kind=Kind.ALLERGY,
        code_system=SNOMED,
        code="91936005",
        display="Allergy to penicillin",
        value_text="Hives",
        status="active",
        effective_at=ago(3000),
        **common,
    )
    twice(
        kind=Kind.IMMUNIZATION,
        code_system=CVX,
        code="158",
        display="Influenza, injectable, quadrivalent",
        status="completed",
        effective_at=ago(120),
        **common,
    )
    item(
        at.clinic,
        kind=Kind.IMMUNIZATION,
        code_system=CVX,
        code="115",
        display="Tdap",
        status="completed",
        effective_at=ago(900),
        **common,
    )
    item(
        at.clinic,
        kind=Kind.VISIT,
        code="185349003",
        code_system=SNOMED,
        display="Office visit",
        value_text="Blood pressure check",
        status="finished",
        effective_at=ago(20),
        **common,
    )
    item(
        at.hospital,
        kind=Kind.VISIT,
        code="50849002",
        code_system=SNOMED,
        display="Emergency department visit",
        value_text="Shortness of breath",
        status="finished",
        effective_at=ago(200),
        **common,
    )
    item(
        at.hospital,
        kind=Kind.PROCEDURE,
        code="73761001",
        code_system=SNOMED,
        display="Colonoscopy",
        status="completed",
        effective_at=ago(700),
        **common,
    )
    discharge = item(
        at.hospital,
        kind=Kind.DOCUMENT,
        code="18842-5",
        display="Discharge summary",
        status="current",
        effective_at=ago(199),
        body=(
            "Seen in the emergency department for shortness of breath after a cold.\n\n"
            "Treated with a nebulizer; breathing back to normal within two hours. Chest X-ray clear.\n\n"
            "Go home today. Use the inhaler as needed. Follow up with your clinic within two weeks."
        ),
        **common,
    )
    item(
        at.clinic,
        kind=Kind.DOCUMENT,
        code="11506-3",
        display="Progress note",
        status="current",
        effective_at=ago(20),
        body="Blood pressure better on lisinopril. Recheck in three months.",
        **common,
    )
    return Record(patient, wbc, hypertension, discharge)


def as_self(patient: Patient) -> Any:
    return access_patient(patient.user, patient.pk, Action.RECORDS)


def home_readings(patient: Patient) -> dict[str, Any]:
    """Blood pressure over a week (the last one out of range: a care task), two blood sugars, the
    last one an emergency; no weight yet."""
    access, actor = as_self(patient), patient.user
    recorded = {}
    for days, (top, bottom) in enumerate([(142, 90), (135, 85), (128, 82), (124, 80)], start=2):
        readings.reading_record(
            access=access,
            actor=actor,
            kind=readings.Kind.BLOOD_PRESSURE,
            taken_at=ago(days),
            systolic=top,
            diastolic=bottom,
        )
    recorded["high"] = readings.reading_record(
        access=access,
        actor=actor,
        kind=readings.Kind.BLOOD_PRESSURE,
        taken_at=ago(1),
        systolic=168,
        diastolic=96,
        note="After climbing stairs",
    ).reading
    readings.reading_record(access=access, actor=actor, kind=readings.Kind.GLUCOSE, taken_at=ago(2), value=Decimal(112))
    recorded["emergency"] = readings.reading_record(
        access=access, actor=actor, kind=readings.Kind.GLUCOSE, taken_at=ago(0), value=Decimal(48), note="Shaky"
    ).reading
    return recorded


def held_results(at: Places, patient: Patient) -> None:
    """Two results waiting for review: a PSA held by a clinic rule for 72 hours, and a pathology
    report the patient chose to see only after review."""
    release.release_preferences_set(access=as_self(patient), actor=patient.user, chosen=["pathology"])
    rule = ReleaseRule.objects.create(name="Cancer markers: clinician first", code="2857-1", hold_hours=72)
    psa = RecordItemFactory(
        patient=patient,
        source=at.lab,
        code="2857-1",
        display="Prostate specific Ag [Mass/volume] in Serum or Plasma",
        value_number=Decimal("5.2"),
        unit="ng/mL",
        reference_high=Decimal("4.0"),
        interpretation="H",
        effective_at=ago(1),
    )
    pathology = RecordItemFactory(
        patient=patient,
        source=at.hospital,
        kind=Kind.REPORT,
        code="60568-3",
        display="Pathology Synoptic report",
        category="SP",
        value_number=None,
        unit="",
        effective_at=ago(2),
        body="Specimen: skin, left forearm, shave biopsy.\n\nDiagnosis: benign seborrheic keratosis.",
    )
    assert release.release_apply_rules(items=[psa, pathology], rules=[rule]) == 2


# --- The patient's record ------------------------------------------------------------------------


@tour(
    "record",
    "record_overview",
    "record_results",
    "record_trend",
    "record_result_trend",
    "record_list",
    "record_document",
)
def _record(visit: Tour) -> None:
    mine = record(places())
    base = f"/p/{mine.patient.pk}/record/"
    visit.as_user(mine.patient.user)

    visit.visit("overview", base)

    visit.open(f"{base}results/")
    flagged = visit.page.locator(".result--flagged").filter(has_text="White blood cells")
    flagged.get_by_text("What this test means").click()
    expect(flagged.locator("details.explain")).to_have_attribute("open", "")
    expect(flagged.locator(".notice")).to_be_visible()  # the next step for a high result
    cbc = visit.page.locator(".result-group").filter(has=visit.page.get_by_role("heading", name="CBC panel"))
    expect(cbc.locator(".result")).to_have_count(3)
    visit.check("results")

    visit.open(f"{base}results/4548-4/")
    expect(visit.page.locator("svg circle")).to_have_count(3)
    visit.check("trend")

    visit.open(f"{base}results/")  # a trend keyed by one of its results (another test: a page, a title)
    visit.page.locator(".result__name").filter(has_text="pressure").first.click()
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text("pressure", ignore_case=True)
    visit.check("trend-of-a-result")

    slugs = ["problems", "medications", "allergies", "immunizations", "visits", "procedures", "documents"]
    for slug in [*slugs, "care-plans", "goals", "imaging", "devices"]:
        visit.open(f"{base}{slug}/")
        if slug in ("problems", "medications", "allergies", "immunizations"):
            # Several sources are named on demand: the line says how many, the list opens to name them.
            expect(visit.page.locator("details.places summary", has_text="From 2 places").first).to_be_visible()
        visit.check(f"list-{slug}")

    visit.visit("document", f"{base}documents/{mine.discharge.pk}/")


@tour(
    "patient-forms",
    "record_correction",
    "record_correction_sent",
    "record_release_preferences",
    "record_download",
    "record_share",
)
def _patient_forms(visit: Tour) -> None:
    at = places()
    mine = record(at)
    patient = mine.patient
    held_results(at, patient)
    access = as_self(patient)
    sharing.share_link_create(
        access=access, actor=patient.user, label="Dr. Patel, heart specialist", sections=["results", "problems"], days=7
    )
    ended, _token = sharing.share_link_create(
        access=access, actor=patient.user, label="Physical therapy", sections=["visits"], days=3
    )
    sharing.share_link_revoke(access=access, actor=patient.user, link_id=ended.pk)
    base = f"/p/{patient.pk}/record/"
    visit.as_user(patient.user)

    visit.visit("correction-form", f"{base}items/{mine.hypertension.pk}/correction/")
    visit.submit("Send to my care team")
    expect(visit.page.locator(".error-summary")).to_be_visible()
    visit.check("correction-form-errors")
    visit.page.get_by_label("What is wrong?").fill("I was told this was white-coat hypertension, not the real thing.")
    visit.submit("Send to my care team")
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Sent to your care team")
    visit.check("correction-sent")

    visit.open(f"{base}preferences/")
    expect(visit.page.get_by_text("1 result is waiting")).to_be_visible()
    visit.check("release-preferences")

    visit.visit("download", f"{base}download/")
    for box in visit.page.locator("input[name=sections]").all():
        box.uncheck()
    visit.page.get_by_label("From (optional)").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    visit.submit("Download")
    expect(visit.page.locator(".field--error")).to_have_count(2)
    visit.check("download-errors")

    visit.open(f"{base}share/")
    expect(visit.page.locator(".badge--active")).to_have_count(1)
    visit.check("share-links")
    visit.submit("Make the link")
    expect(visit.page.locator(".error-summary")).to_be_visible()
    visit.check("share-links-errors")
    visit.page.get_by_label("Who is it for?").fill("Dr. Okafor, dermatology")
    visit.page.get_by_label("Problems").check()
    visit.page.get_by_label("Medications").check()
    visit.submit("Make the link")
    expect(visit.page.locator("#new-link-url")).to_have_value(re.compile(r"/shared/[^/]+/$"))
    visit.check("share-links-new-link")


@tour("shared-public", "shared_record")
def _shared_public(visit: Tour) -> None:
    mine = record(places())
    patient = mine.patient
    access = as_self(patient)
    _link, token = sharing.share_link_create(
        access=access,
        actor=patient.user,
        label="Dr. Patel, heart specialist",
        sections=["results", "problems", "medications", "allergies", "documents"],
        days=7,
    )
    ended, ended_token = sharing.share_link_create(
        access=access, actor=patient.user, label="Physical therapy", sections=["visits"], days=3
    )
    sharing.share_link_revoke(access=access, actor=patient.user, link_id=ended.pk)
    # Nobody signed in: the person the link was sent to.

    visit.visit("shared-turned-off", f"/shared/{ended_token}/", status=410)

    visit.visit("shared-birth-date", f"/shared/{token}/")
    visit.page.get_by_label("The patient's date of birth").fill((ROSA_BORN - timedelta(days=1)).isoformat())
    visit.submit("Show the record")
    expect(visit.page.locator(".field--error")).to_contain_text("does not match")
    visit.check("shared-birth-date-wrong")
    visit.page.get_by_label("The patient's date of birth").fill(ROSA_BORN.isoformat())
    visit.submit("Show the record")
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Rosa Delgado")
    visit.check("shared-summary")


# --- Home readings --------------------------------------------------------------------------------


@tour("readings", "record_readings", "record_reading_kind", "record_reading")
def _readings(visit: Tour) -> None:
    patient = rosa(places())
    recorded = home_readings(patient)
    base = f"/p/{patient.pk}/record/readings/"
    visit.as_user(patient.user)

    visit.visit("readings", base)

    visit.open(f"{base}blood-pressure/")
    expect(visit.page.locator("svg circle")).to_have_count(5)
    visit.check("readings-blood-pressure")
    visit.page.get_by_label("Top number (systolic), mmHg").fill("eighty")
    visit.page.get_by_label("Bottom number (diastolic), mmHg").fill("")
    visit.submit("Save reading")
    expect(visit.page.locator(".field--error")).to_have_count(2)
    visit.check("readings-blood-pressure-errors")

    visit.visit("reading-out-of-range", f"{base}{recorded['high'].pk}/")
    visit.open(f"{base}{recorded['emergency'].pk}/")
    expect(visit.page.get_by_role("alert")).to_be_visible()
    visit.check("reading-emergency")


# --- Staff: imports and matches --------------------------------------------------------------------


def an_import(at: Places, registrar: User) -> None:
    """A lab file: one patient the importer cannot be sure about, and two resources it cannot take."""
    PatientFactory(given_name="Ines", family_name="Ramos", birth_date=date(1970, 2, 3), home_organization=at.clinic)
    person = {
        "resourceType": "Patient",
        "id": "src-9",
        "name": [{"family": "Ramos", "given": ["Inez"]}],
        "birthDate": "1970-02-03",
        "gender": "female",
    }
    problem = {
        "resourceType": "Condition",
        "id": "c9",
        "subject": {"reference": "urn:uuid:src-9"},
        "code": {"text": "Asthma"},
    }
    orphan = {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "Glucose"}}
    nameless = {"resourceType": "Observation", "status": "final", "code": {"text": "Sodium"}}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource.get('id', 'x')}", "resource": resource}
            for resource in (person, problem, orphan, nameless)
        ],
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "northgate-2026-03-02.json"
        path.write_text(json.dumps(bundle))
        run = import_run_create(source=at.lab, path=path, started_by=registrar)
        import_run_execute(run_id=run.pk, path=path)


@tour("staff-imports", "imports", "import_run", "import_matches")
def _staff_imports(visit: Tour) -> None:
    at = places()
    registrar = StaffMemberFactory(
        organization=at.clinic, role=StaffRole.FRONT_DESK, user=UserFactory(full_name="Sam Ortega")
    ).user
    an_import(at, registrar)
    visit.as_user(registrar, second_factor=True)

    visit.visit("imports", "/staff/records/imports/")
    visit.submit("Import")
    expect(visit.page.locator(".error-summary")).to_be_visible()
    visit.check("imports-upload-errors")

    visit.open("/staff/records/imports/")
    with visit.page.expect_navigation():
        visit.page.get_by_role("link", name="northgate-2026-03-02.json").click()
    expect(visit.page.locator(".list__item")).to_have_count(2)  # the two resources it could not take
    visit.check("import-run")

    visit.open("/staff/records/matches/")
    expect(visit.page.get_by_role("button", name="Same person: link")).to_have_count(1)
    visit.check("import-matches")


# --- Staff: results to review, care tasks, limits ------------------------------------------------------


@tour(
    "staff-care",
    "records_review_queue",
    "staff_care_tasks",
    "staff_care_task_done",  # a task sent without what was done: the queue again, at this URL, with the error
    "staff_reading_thresholds",
    "record_results",
    "record_reading_kind",
)
def _staff_care(visit: Tour) -> None:
    at = places()
    mine = record(at)
    patient = mine.patient
    held_results(at, patient)
    home_readings(patient)
    corrections.correction_request(
        access=as_self(patient),
        actor=patient.user,
        item_id=mine.hypertension.pk,
        text="I was told this was white-coat hypertension.",
    )
    visit.as_user(nurse(at), second_factor=True)

    visit.open("/staff/records/review/")
    expect(visit.page.locator("li.result")).to_have_count(2)
    visit.page.get_by_text("Read the report").click()
    visit.check("release-review")
    psa = visit.page.locator("li.result").filter(has_text="Prostate specific Ag")
    psa.get_by_label("Comment for the patient (optional)").fill("Slightly high. We will repeat it in six weeks.")
    psa.get_by_role("button", name="Release to the patient").click()  # htmx swaps the item in place
    expect(visit.page.locator("li.result").filter(has_text="Prostate specific Ag").locator("form")).to_have_count(0)
    visit.check("release-review-released")

    visit.open("/staff/records/tasks/")
    tasks = visit.page.locator(".timeline__item")
    expect(tasks).to_have_count(3)  # a blood pressure out of range, a blood sugar emergency, a correction
    first = tasks.first
    first.get_by_text("Mark done").first.click()
    with visit.page.expect_navigation():
        first.get_by_role("button", name="Mark done").click()
    expect(visit.page.locator(".field--error")).to_have_count(1)
    visit.check("care-tasks-errors")
    visit.page.locator(".field--error textarea").fill("Called Rosa: rested and rechecked, 132/84. No symptoms.")
    visit.submit("Mark done")
    expect(tasks).to_have_count(2)
    visit.check("care-tasks")

    visit.visit("thresholds", f"/staff/records/patients/{patient.pk}/thresholds/")
    visit.page.get_by_role("group", name="Blood pressure, top number").get_by_label("Low limit").fill("170")
    visit.page.get_by_role("group", name="Blood pressure, top number").get_by_label("High limit").fill("150")
    visit.submit("Save limits")
    expect(visit.page.locator(".error-summary")).to_be_visible()
    visit.check("thresholds-errors")

    visit.visit("results-as-staff", f"/p/{patient.pk}/record/results/")
    visit.visit("readings-as-staff", f"/p/{patient.pk}/record/readings/blood-pressure/")


# --- SMART on FHIR: an app asks to read the record -----------------------------------------------------


REDIRECT = "https://app.example.org/callback"
PKCE_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # S256 of RFC 7636's example verifier


@tour("smart-authorize", "oauth2_provider:authorize")
def _smart_authorize(visit: Tour) -> None:
    at = places()
    patient = rosa(at)
    father = PatientFactory(
        given_name="Jorge", family_name="Delgado", birth_date=date(1941, 9, 2), home_organization=at.clinic, user=None
    )
    ProxyGrantFactory(patient=father, grantee=patient.user, scopes=[Scope.RECORDS], invited_name="Rosa Delgado")
    app = Application.objects.create(
        name="Health Tracker",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        algorithm="",
    )
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "launch/patient patient/*.read openid fhirUser offline_access",
        "state": "xyz",
        "code_challenge": PKCE_CHALLENGE,
        "code_challenge_method": "S256",
        "aud": f"{visit.base_url}/fhir/R4",
    }
    visit.as_user(patient.user)

    visit.open(f"/o/authorize/?{urlencode(params)}")
    expect(visit.page.locator("input[type=radio][name=patient]")).to_have_count(2)
    visit.check("smart-authorize")
    visit.submit("Allow")
    expect(visit.page.locator(".field--error")).to_be_visible()
    visit.check("smart-authorize-errors")

    elsewhere = {**params, "aud": "https://elsewhere.example/fhir"}
    visit.open(f"/o/authorize/?{urlencode(elsewhere)}", status=400)
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("This app cannot connect")
    visit.check("smart-authorize-refused")


# --- The tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(TOURS))
def test_records_pages_have_no_axe_violations(new_context, live_server, name: str, viewport: str) -> None:
    context = new_context(VIEWPORTS[viewport])
    visit = Tour(context=context, page=context.new_page(), base_url=live_server.url, viewport=viewport)
    walk, covers = TOURS[name]

    walk(visit)

    assert not visit.problems, "\n\n".join(visit.problems)
    assert visit.visited == covers, f"{name} checked {sorted(visit.visited)}, expected {sorted(covers)}"


# Records URLs that are not pages a person looks at, and why.
NOT_PAGES = {
    "record_share_revoke": "a POST that goes back to the share page",
    "record_confidential": "a POST (staff) that goes back to the page it came from",
    "record_attachment": "a file a report carries (a PDF), not a page; its access is in the matrix",
    "import_match_decide": "a POST that goes back to the match queue",
    "records_release": "a POST; with htmx its answer replaces the item in the review queue (release-review-released)",
    "records_review_count": "a number the staff home page loads in place",
    "staff_care_task_count": "a number the staff home page loads in place",
    "oauth2_provider:token": "an API for apps (JSON)",
    "oauth2_provider:revoke-token": "an API for apps",
}


def _names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> set[str]:
    return {f"{namespace}{pattern.name}" for pattern in patterns if isinstance(pattern, URLPattern) and pattern.name}


def test_every_records_page_is_toured() -> None:
    from records.fhir_api import oauth_urls
    from records.urls import patient, public, staff

    pages = (
        _names(patient.urlpatterns)
        | _names(staff.urlpatterns)
        | _names(public.urlpatterns)
        | _names(oauth_urls.urlpatterns, "oauth2_provider:")
    )
    toured = set().union(*(covers for _walk, covers in TOURS.values()))

    assert pages - set(NOT_PAGES) - toured == set()
    assert toured - pages == set()
