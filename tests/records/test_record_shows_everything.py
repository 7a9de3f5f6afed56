"""The record shows everything, once: every list paged, the same result, visit or procedure from
two sources shown once naming both (two real measurements never merged), every result renders
whatever its code, care plans, goals, imaging and devices have pages, and a bundle whose entries
are not objects is reported entry by entry."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.factories import OrganizationFactory, UserFactory
from portal.models import Organization, Patient
from records.downloads import SECTION_SLUGS
from records.factories import RecordItemFactory
from records.models import ImportRun, RecordItem
from records.selectors.patient import PAGE_SIZE
from records.services.imports import import_run_create, import_run_execute
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, FIXTURES, NDJSON, bundle_of, write_json

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind
US_CORE = FIXTURES / "us-core"
LDL = "18262-6"
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Ramos", "given": ["Ines"]}],
    "birthDate": "1970-02-03",
    "gender": "female",
}


def run_import(source: Organization, path: Path) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    return import_run_execute(run_id=run.pk, path=path)


def url(patient: Patient, tail: str = "") -> str:
    return f"/p/{patient.pk}/record/{tail}"


@pytest.fixture
def two_sources(db: None) -> tuple[Organization, Organization]:
    return OrganizationFactory(name="Lakeside Clinic"), OrganizationFactory(name="St. Mary's Regional")


def signed_in_patient(client) -> Patient:
    patient = Patient.objects.get()
    patient.user = UserFactory()
    patient.save()
    sign_in(client, patient.user)
    return patient


def every_page(client, address: str) -> list[Any]:
    """The lines of every page of a list, in order, following the pager's own links."""
    lines: list[Any] = []
    response = client.get(address)
    while True:
        assert response.status_code == 200
        page = response.context["page"]
        lines += list(page.object_list)
        if not page.has_next():
            return lines
        link = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        assert link is not None
        response = client.get(address + link.group(1).replace("&amp;", "&"))


# -- the same record from two sources ------------------------------------------------------


def test_the_same_synthea_patient_from_two_sources_shows_each_result_visit_and_procedure_once(
    client, two_sources
) -> None:
    clinic, hospital = two_sources
    run_import(clinic, BUNDLE)
    run_import(hospital, BUNDLE)  # the same patient, matched by name and birth date
    patient = signed_in_patient(client)
    raw = json.loads(BUNDLE.read_text())
    sent = {
        kind: sum(e["resource"]["resourceType"] == kind for e in raw["entry"]) for kind in ("Encounter", "Procedure")
    }
    observations = RecordItem.objects.filter(source=clinic, kind__in=(Kind.RESULT, Kind.VITAL, Kind.OBSERVATION))

    results = every_page(client, url(patient, "results/"))
    visits = every_page(client, url(patient, "visits/"))
    procedures = every_page(client, url(patient, "procedures/"))
    overview = client.get(url(patient)).content.decode()

    assert RecordItem.objects.filter(patient=patient, kind=Kind.VISIT).count() == 2 * sent["Encounter"]
    assert len(results) == observations.count() == 59 > PAGE_SIZE  # two pages, every one once
    assert len({line.item.pk for line in results}) == 59
    assert len(visits) == sent["Encounter"] and len(procedures) == sent["Procedure"]
    for line in [*results, *visits, *procedures]:
        assert line.sources == ["Lakeside Clinic", "St. Mary's Regional"]
    assert "59 results" in overview
    assert f"{sent['Encounter']} items" in overview


def test_each_ldl_value_shows_once_on_its_trend_naming_both_sources_each_linked(client, two_sources) -> None:
    clinic, hospital = two_sources
    run_import(clinic, BUNDLE)
    run_import(hospital, BUNDLE)
    patient = signed_in_patient(client)
    ldl = RecordItem.objects.filter(source=clinic, code=LDL).order_by("effective_at")

    response = client.get(url(patient, f"results/trend/{ldl.first().pk}/"))

    page = response.content.decode()
    assert [p.value_number for p in response.context["points"]] == [item.value_number for item in ldl]
    assert len(ldl) == 3 and page.count("<circle") == 3
    table = page[page.index("<table") :]
    assert table.count(f'href="{url(patient, "results/")}?source={clinic.pk}"') == 3
    assert table.count(f'href="{url(patient, "results/")}?source={hospital.pk}"') == 3


def test_a_results_page_names_both_places_and_each_links_to_what_that_place_sent(client, two_sources) -> None:
    clinic, hospital = two_sources
    run_import(clinic, BUNDLE)
    run_import(hospital, BUNDLE)
    patient = signed_in_patient(client)

    page = client.get(url(patient, "results/")).content.decode()
    only_clinic = client.get(url(patient, "results/"), {"source": clinic.pk}).context["page"]

    assert "<summary>From 2 places</summary>" in page  # named on demand
    assert f'<a href="{url(patient, "results/")}?source={hospital.pk}">St. Mary&#x27;s Regional</a>' in page
    assert only_clinic.paginator.count == 59
    assert {line.item.source_id for line in only_clinic.object_list} == {clinic.pk}


def observation(resource_id: str, when: str, value: float, code: str = LDL) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [{"code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": "LDL cholesterol"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "mg/dL"},
    }


def test_near_misses_stay_two_measurements_and_only_the_same_one_from_two_sources_merges(
    client, two_sources, tmp_path
) -> None:
    clinic, hospital = two_sources
    at_clinic = [
        observation("same", "2026-03-01T08:00:00-05:00", 101),
        observation("a-minute-later", "2026-03-02T08:00:00Z", 120),
        observation("other-value", "2026-03-03T08:00:00Z", 130),
        observation("twice-at-one-place-1", "2026-03-04T08:00:00Z", 140),
        observation("twice-at-one-place-2", "2026-03-04T08:00:00Z", 140),
    ]
    at_hospital = [
        observation("same-elsewhere", "2026-03-01T13:00:00Z", 101),  # the same instant, said in UTC
        observation("a-minute-later", "2026-03-02T08:01:00Z", 120),
        observation("other-value", "2026-03-03T08:00:00Z", 131),
    ]
    run_import(clinic, write_json(tmp_path, "clinic.json", bundle_of(PATIENT, *at_clinic)))
    run_import(hospital, write_json(tmp_path, "hospital.json", bundle_of(PATIENT, *at_hospital)))
    patient = signed_in_patient(client)
    first = RecordItem.objects.get(source=clinic, record__resource_id="same")

    lines = client.get(url(patient, f"results/trend/{first.pk}/")).context["lines"]

    shown = [(str(line.item.value_number), len(line.places)) for line in lines]
    assert shown == [
        ("101.0000", 2),
        ("120.0000", 1),
        ("120.0000", 1),
        ("130.0000", 1),
        ("131.0000", 1),
        ("140.0000", 1),
        ("140.0000", 1),
    ]
    assert client.get(url(patient, "results/")).context["page"].paginator.count == 7
    assert "7 results" in client.get(url(patient)).content.decode()


# -- paging --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["results/", "visits/", "problems/", "goals/"])
def test_every_list_pages_and_each_page_runs_the_same_queries(client, patient, page: str) -> None:
    kind = {"results/": Kind.RESULT, "visits/": Kind.VISIT, "problems/": Kind.PROBLEM, "goals/": Kind.GOAL}[page]
    sign_in(client, patient.user)
    client.get(url(patient, page))  # the first request of a session also records the session

    def queries_on(page_number: int, total: int) -> tuple[int, int]:
        missing = total - RecordItem.objects.filter(patient=patient).count()
        RecordItemFactory.create_batch(missing, patient=patient, kind=kind, dedup_key="")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(patient, page), {"page": page_number})
        assert response.status_code == 200
        return len(captured), len(response.context["page"].object_list)

    few = queries_on(1, 3)
    first = queries_on(1, 2 * PAGE_SIZE + 7)
    last = queries_on(3, 2 * PAGE_SIZE + 7)

    assert (few[1], first[1], last[1]) == (3, PAGE_SIZE, 7)
    assert few[0] == first[0] == last[0]


def test_the_pager_keeps_the_filters_and_says_where_you_are(client, patient) -> None:
    source = OrganizationFactory(name="Northgate Labs")
    RecordItemFactory.create_batch(PAGE_SIZE + 1, patient=patient, source=source, dedup_key="")
    sign_in(client, patient.user)

    first = client.get(url(patient, "results/"), {"source": source.pk}).content.decode()
    second = client.get(url(patient, "results/"), {"source": source.pk, "page": 2})
    beyond = client.get(url(patient, "results/"), {"page": "99"})
    nonsense = client.get(url(patient, "results/"), {"page": "two"})

    assert f"Showing 1 to {PAGE_SIZE} of {PAGE_SIZE + 1}" in first
    assert f'rel="next" href="?source={source.pk}&amp;page=2"' in first
    assert '<nav class="pager" aria-label="Pages of this list">' in first
    assert f"Showing {PAGE_SIZE + 1} to {PAGE_SIZE + 1} of {PAGE_SIZE + 1}" in second.content.decode()
    assert beyond.context["page"].number == 2 and nonsense.context["page"].number == 1


# -- codes a URL cannot hold -----------------------------------------------------------------


def test_results_coded_only_in_text_or_with_a_slash_render_and_have_trends(client, source, tmp_path) -> None:
    text_only = observation("text-only", "2026-03-01T08:00:00Z", 5.5)
    text_only["code"] = {"text": "Fasting glucose (point of care)"}
    slashed = observation("slashed", "2026-03-02T08:00:00Z", 98, code="GLU/FAST")
    slashed_again = observation("slashed-again", "2026-03-05T08:00:00Z", 91, code="GLU/FAST")
    run_import(source, write_json(tmp_path, "odd.json", bundle_of(PATIENT, text_only, slashed, slashed_again)))
    patient = signed_in_patient(client)

    results = client.get(url(patient, "results/"))
    page = results.content.decode()
    links = re.findall(r'class="result__name" href="([^"]+)"', page)
    trends = [client.get(link) for link in links]

    assert results.status_code == 200 and len(links) == 3
    assert [t.status_code for t in trends] == [200, 200, 200]
    assert [[str(p.value_number) for p in t.context["points"]] for t in trends] == [
        ["98.0000", "91.0000"],  # newest first on the results page: GLU/FAST on 5 March, then 2 March
        ["98.0000", "91.0000"],
        ["5.5000"],
    ]
    assert "Fasting glucose (point of care)" in trends[2].content.decode()
    assert client.get(url(patient)).status_code == 200  # the overview links them the same way


def test_a_trend_of_someone_elses_result_answers_404(client, patient) -> None:
    theirs = RecordItemFactory()
    sign_in(client, patient.user)

    assert client.get(url(patient, f"results/trend/{theirs.pk}/")).status_code == 404


# -- care plans, goals, imaging and devices --------------------------------------------------


def us_core_bundle(tmp_path: Path) -> Path:
    names = ["patient-example", "goal-1", "goal-sdoh-2", "careplan-ulcer-example", "Device-knee", "Device-defib"]
    resources = [json.loads((US_CORE / f"{name}.json").read_text()) for name in names]
    return write_json(tmp_path, "us-core.json", bundle_of(*resources))


def test_care_plans_goals_and_devices_of_the_us_core_examples_have_pages_in_english_and_spanish(
    client, source, tmp_path
) -> None:
    run = run_import(source, us_core_bundle(tmp_path))
    patient = signed_in_patient(client)

    pages = {slug: client.get(url(patient, f"{slug}/")) for slug in ("care-plans", "goals", "devices")}
    overview = client.get(url(patient)).content.decode()
    patient.user.language = "es"
    patient.user.save()
    goals_es = client.get(url(patient, "goals/")).content.decode()

    assert (run.status, run.issues.count()) == (ImportRun.Status.DONE, 0)
    assert [row.item.display for row in pages["devices"].context["rows"]] == [
        "Defibrillator, device",
        "Knee joint prosthesis",
    ]
    assert len(pages["goals"].context["rows"]) == 2 and len(pages["care-plans"].context["rows"]) == 1
    goals = pages["goals"].content.decode()
    assert "Patient is targeting a pulse oximetry of 92% and a weight of 195 lbs" in goals
    assert "Aim to reach it by" in goals
    assert "Device identifier (UDI): 987979879879" in pages["devices"].content.decode()
    assert "Condition Duodenal Ulcer" in pages["care-plans"].content.decode()
    for title, n in (("Care plans", 1), ("Health goals", 2), ("Medical devices", 2)):
        assert re.search(rf">{title}</a></h2>\s*<p>[^<]*</p>\s*<p class=\"card__note\">{n} items?</p>", overview)
    assert "Metas de salud" in goals_es and "Intente lograrlo para" in goals_es


def test_synthea_imaging_studies_have_a_page(client, source) -> None:
    run_import(source, FIXTURES / "Lonnie_Von_imaging.json")
    patient = signed_in_patient(client)

    rows = client.get(url(patient, "imaging/")).context["rows"]
    page = client.get(url(patient, "imaging/")).content.decode()

    assert len(rows) == 3
    assert all(row.item.kind == Kind.IMAGING and row.item.effective_at for row in rows)
    assert "Digital Radiography" in page and "1 image" in page


def test_the_same_imaging_studies_from_two_sources_show_once(client, two_sources) -> None:
    clinic, hospital = two_sources
    run_import(clinic, FIXTURES / "Lonnie_Von_imaging.json")
    run_import(hospital, FIXTURES / "Lonnie_Von_imaging.json")
    patient = signed_in_patient(client)

    rows = client.get(url(patient, "imaging/")).context["rows"]

    assert RecordItem.objects.filter(kind=Kind.IMAGING).count() == 6
    assert [row.sources for row in rows] == [["Lakeside Clinic", "St. Mary's Regional"]] * 3
    assert "3 items" in client.get(url(patient)).content.decode()


def test_bulk_export_devices_have_a_page(client, source) -> None:
    run_import(source, NDJSON)
    patients = list(Patient.objects.all())
    devices = RecordItem.objects.filter(kind=Kind.DEVICE)

    assert devices.count() == 3
    assert {device.patient_id for device in devices} <= {p.pk for p in patients}


def test_downloads_carry_care_plans_goals_and_devices(client, source, tmp_path) -> None:
    run_import(source, us_core_bundle(tmp_path))
    patient = signed_in_patient(client)

    fhir = client.post(url(patient, "download/"), {"format": "fhir", "sections": list(SECTION_SLUGS)})
    chosen = client.post(url(patient, "download/"), {"format": "fhir", "sections": ["goals"]})

    types = sorted(e["resource"]["resourceType"] for e in json.loads(fhir.content)["entry"])
    assert {"CarePlan", "Goal", "Device"} <= set(types)
    assert types.count("Goal") == 2 and types.count("Device") == 2
    only_goals = [e["resource"]["resourceType"] for e in json.loads(chosen.content)["entry"]]
    assert [kind for kind in only_goals if kind not in ("Patient", "Organization")] == ["Goal", "Goal"]


# -- bundles whose entries are not objects ----------------------------------------------------


def test_a_bundle_whose_entries_are_not_objects_reports_each_entry(source, tmp_path) -> None:
    bundle = bundle_of(PATIENT)
    bundle["entry"] += [1, "text", None, True, [1, 2]]

    run = run_import(source, write_json(tmp_path, "odd-entries.json", bundle))

    assert run.status == ImportRun.Status.DONE
    assert sorted((issue.location, issue.message) for issue in run.issues.all()) == [
        ("odd-entries.json entry 2", "The entry is a number, not an entry with a resource; it was skipped."),
        ("odd-entries.json entry 3", "The entry is text, not an entry with a resource; it was skipped."),
        ("odd-entries.json entry 4", "The entry is null, not an entry with a resource; it was skipped."),
        ("odd-entries.json entry 5", "The entry is true or false, not an entry with a resource; it was skipped."),
        ("odd-entries.json entry 6", "The entry is a list, not an entry with a resource; it was skipped."),
    ]
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("entry", [{"item": {"resource": copy.deepcopy(PATIENT)}}, "everything", 7])
def test_a_bundle_whose_entry_is_not_a_list_fails_saying_so(source, tmp_path, entry) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entry}

    run = run_import(source, write_json(tmp_path, "not-a-list.json", bundle))

    assert run.status == ImportRun.Status.FAILED
    assert [(i.location, i.message) for i in run.issues.all()] == [
        ("not-a-list.json", "The bundle's entry is not a list of entries.")
    ]
    assert not Patient.objects.exists()
