"""The patient's record pages: one record across sources, plain language, charts, filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.factories import OrganizationFactory, PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import AuditEvent, Scope
from records.factories import RecordItemFactory
from records.models import RecordItem
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind


def _url(patient, tail: str = "") -> str:
    return f"/p/{patient.pk}/record/{tail}"


def test_the_same_problem_from_two_sources_shows_once_naming_both(client, patient) -> None:
    clinic, hospital = OrganizationFactory(name="Lakeside"), OrganizationFactory(name="St. Mary's")
    for source in (clinic, hospital):
        RecordItemFactory(
            patient=patient,
            source=source,
            kind=Kind.PROBLEM,
            display="Asthma",
            code="195967001",
            dedup_key="problem:http://snomed.info/sct|195967001",
        )
    RecordItemFactory(
        patient=patient,
        source=clinic,
        kind=Kind.PROBLEM,
        display="Gout",
        code="90560007",
        dedup_key="problem:http://snomed.info/sct|90560007",
    )
    sign_in(client, patient.user)

    rows = client.get(_url(patient, "problems/")).context["rows"]

    assert sorted((row.item.display, tuple(row.sources)) for row in rows) == [
        ("Asthma", ("Lakeside", "St. Mary's")),
        ("Gout", ("Lakeside",)),
    ]


def test_results_show_plain_language_in_the_patients_language(client, patient) -> None:
    RecordItemFactory(patient=patient, code="4548-4", value_number=Decimal("7.2"), interpretation="H")
    patient.user.language = "es"
    patient.user.save()
    sign_in(client, patient.user)

    page = client.get(_url(patient, "results/")).content.decode()

    assert "7.2" in page
    assert "azúcar" in page.lower()  # the Spanish explanation of A1c
    assert "Más alto de lo normal" in page or "Más alto de lo habitual" in page


def test_trend_page_draws_a_chart_and_a_table_of_the_same_values(client, patient) -> None:
    now = timezone.now()
    for months, value in ((12, "6.8"), (6, "6.5"), (0, "6.1")):
        RecordItemFactory(patient=patient, value_number=Decimal(value), effective_at=now - timedelta(days=30 * months))
    sign_in(client, patient.user)

    response = client.get(_url(patient, "results/4548-4/"))

    page = response.content.decode()
    assert page.count("<circle") == 3
    assert [str(p.value_number) for p in response.context["points"]] == ["6.8000", "6.5000", "6.1000"]
    table = page[page.index("<table") :]
    assert table.index("6.1") < table.index("6.8")  # the table lists newest first


def test_a_result_code_longer_than_any_code_answers_404(client, patient) -> None:
    # Compared with the varchar(64) column, it once answered 500 ("value too long").
    sign_in(client, patient.user)

    assert client.get(_url(patient, f"results/{'7' * 300}/")).status_code == 404
    assert not AuditEvent.objects.filter(object_type="records.Trend").exists()  # nothing was read
    assert client.get(_url(patient, f"results/{'7' * 64}/")).status_code == 404  # fits, matches nothing


def test_filters_by_source_and_date(client, patient) -> None:
    lab, clinic = OrganizationFactory(name="Northgate Labs"), OrganizationFactory(name="Lakeside")
    old = RecordItemFactory(patient=patient, source=lab, effective_at=timezone.now() - timedelta(days=400))
    new = RecordItemFactory(patient=patient, source=clinic)
    sign_in(client, patient.user)

    by_source = client.get(_url(patient, "results/"), {"source": lab.pk}).context["groups"]
    by_date = client.get(_url(patient, "results/"), {"since": (timezone.localdate() - timedelta(days=30))}).context[
        "groups"
    ]
    bad = client.get(_url(patient, "results/"), {"since": "2024-05-01", "until": "2024-01-01"})

    assert [r.item.pk for g in by_source for r in g.results] == [old.pk]
    assert [r.item.pk for g in by_date for r in g.results] == [new.pk]
    assert bad.status_code == 400 and "Choose an end date after the start date." in bad.content.decode()


def test_held_results_are_hidden_from_the_patient(client, patient) -> None:
    RecordItemFactory(patient=patient, display="Pathology", release=RecordItem.Release.HELD)
    sign_in(client, patient.user)

    assert client.get(_url(patient, "results/")).context["groups"] == []


def test_confidential_items_are_hidden_from_a_teens_guardian(client) -> None:
    teen = PatientFactory(birth_date=born_years_ago(15))
    guardian = ProxyGrantFactory(patient=teen, scopes=[Scope.RECORDS], is_guardian=True).grantee
    RecordItemFactory(patient=teen, kind=Kind.PROBLEM, display="Private matter", confidential=True)
    RecordItemFactory(patient=teen, kind=Kind.PROBLEM, display="Asthma")
    sign_in(client, guardian)

    page = client.get(_url(teen, "problems/")).content.decode()

    assert "Asthma" in page and "Private matter" not in page


def test_documents_read_in_the_browser(client, patient) -> None:
    note = RecordItemFactory(
        patient=patient, kind=Kind.DOCUMENT, display="Discharge summary", body="Home today.\n\nFollow up in two weeks."
    )
    sign_in(client, patient.user)

    page = client.get(_url(patient, f"documents/{note.pk}/")).content.decode()

    assert "<p>Home today.</p>" in page and "Follow up in two weeks." in page
    assert AuditEvent.objects.filter(object_type="records.RecordItem", object_id=str(note.pk)).count() == 1


@pytest.mark.parametrize("page", ["results/", "problems/", "visits/", "documents/"])
def test_record_pages_run_a_constant_number_of_queries(client, patient, page: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kind = {"results/": Kind.RESULT, "problems/": Kind.PROBLEM, "visits/": Kind.VISIT, "documents/": Kind.DOCUMENT}[
        page
    ]
    sign_in(client, patient.user)
    client.get(_url(patient, page))  # the first request of a session also records the session

    def queries_with(n: int) -> int:
        RecordItemFactory.create_batch(n, patient=patient, kind=kind, dedup_key="")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(patient, page)).status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(20)


def test_chart_coordinates_stay_numbers_in_spanish(client, patient) -> None:
    now = timezone.now()
    for months, value in ((6, "6.5"), (0, "6.1")):
        RecordItemFactory(patient=patient, value_number=Decimal(value), effective_at=now - timedelta(days=30 * months))
    patient.user.language = "es"
    patient.user.save()
    sign_in(client, patient.user)

    svg = client.get(_url(patient, "results/4548-4/")).content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]

    assert re.findall(r'(?:x|y|cx|cy|x1|x2|y1|y2)="[^"]*,', svg) == []


def _vital(patient, code: str, unit: str, effective_at, **values) -> RecordItem:
    return RecordItemFactory(
        patient=patient, code=code, display=code, category="vital-signs", unit=unit, effective_at=effective_at, **values
    )


def test_blood_pressure_is_charted_as_two_lines_with_the_usual_range_of_each(client, patient) -> None:
    now = timezone.now()
    for days, reading in ((60, "142/91"), (30, "135/86"), (0, "128/82")):
        _vital(patient, "85354-9", "mm[Hg]", now - timedelta(days=days), value_number=None, value_text=reading)
    sign_in(client, patient.user)

    response = client.get(_url(patient, "results/85354-9/"))

    chart = response.context["chart"]
    assert len(chart.lines) == 2 and len(chart.bands) == 2
    assert [len(line.dots) for line in chart.lines] == [3, 3]
    assert [label.split(": ")[1] for _x, _y, label in chart.lines[1].dots] == ["91", "86", "82"]
    page = response.content.decode()
    assert page.count('<rect class="chart__band"') == 2
    assert "top number" in page and "The shaded bands are the usual range of each number. Unit: mmHg." in page


def test_a_trend_caption_names_its_unit_once(client, patient) -> None:
    now = timezone.now()
    for days, inches in ((300, "64.0"), (0, "64.5")):
        _vital(patient, "8302-2", "[in_i]", now - timedelta(days=days), value_number=Decimal(inches))
    sign_in(client, patient.user)

    page = client.get(_url(patient, "results/8302-2/")).content.decode()

    assert "Unit: in." in page
    assert "in in." not in page


def test_value_ticks_are_round_and_evenly_spaced(client, patient) -> None:
    now = timezone.now()
    for days, pulse in ((20, 58), (10, 72), (0, 65)):
        _vital(patient, "8867-4", "/min", now - timedelta(days=days), value_number=Decimal(pulse))
    sign_in(client, patient.user)

    chart = client.get(_url(patient, "results/8867-4/")).context["chart"]

    assert [label for _y, label in chart.y_ticks] == ["55", "60", "65", "70", "75"]
    gaps = {round(upper - lower, 1) for (lower, _a), (upper, _b) in zip(chart.y_ticks[1:], chart.y_ticks, strict=False)}
    assert gaps == {51.0}  # 204 px of axis, four equal gaps


def test_chart_dates_are_in_the_pages_language(client, patient) -> None:
    for day, value in ((3, "6.5"), (25, "6.1")):
        RecordItemFactory(
            patient=patient,
            value_number=Decimal(value),
            effective_at=datetime(2026, 11, day, 18, tzinfo=UTC),
        )
    patient.user.language = "es"
    patient.user.save()
    sign_in(client, patient.user)

    chart = client.get(_url(patient, "results/4548-4/")).context["chart"]

    # Three weeks of results: the axis names days, in Spanish.
    assert [label for _x, label, _anchor in chart.x_ticks] == ["mar 3 nov 2026", "mié 25 nov 2026", "sáb 14 nov 2026"]
