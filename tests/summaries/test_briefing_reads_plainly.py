# ruff: noqa: F401, F811  (the scheduling clinic fixture, imported, is the argument of the tests)
"""The briefing reads as the record pages do: a test by its plain name and its unit in the words a
person reads, in the reader's language; a medicine, a diagnosis or a visit opens at its own line of
its list; the home's cards name the patient to someone acting for them."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from portal.access import Action, resolve
from portal.factories import ProxyGrantFactory
from portal.models import Scope
from records.factories import RecordItemFactory
from records.models import RecordItem
from summaries.selectors.patient import briefing_for
from summaries.services import refresh
from summaries.services.phrases import say
from tests.conftest import sign_in
from tests.scheduling.conftest import NOW, Clinic, clinic

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind


def _item(clinic: Clinic, days_ago: int, **fields: Any) -> RecordItem:
    return RecordItemFactory(
        patient=clinic.patient, source=clinic.organization, effective_at=NOW - timedelta(days=days_ago), **fields
    )


def _results(clinic: Clinic) -> None:
    _item(
        clinic,
        2,
        display="Thyrotropin [Units/volume] in Serum or Plasma",
        code="3016-3",
        value_number=Decimal("1.8"),
        unit="mIU/L",
    )
    _item(
        clinic,
        3,
        display="Platelets [#/volume] in Blood by Automated count",
        code="777-3",
        value_number=Decimal("275"),
        unit="10*3/uL",
    )


def _changed(clinic: Clinic, language: str) -> list[str]:
    access = resolve(clinic.patient.user, clinic.patient, Action.PROFILE)
    shown = briefing_for(access=access, actor=clinic.patient.user, language=language)  # type: ignore[arg-type]
    return [line.text for line in shown.changed]


@time_machine.travel(NOW, tick=False)
def test_results_read_with_the_record_pages_names_and_units_in_the_readers_language(clinic: Clinic) -> None:
    _results(clinic)
    refresh.rebuild(clinic.patient.pk, now=NOW)

    english, spanish = _changed(clinic, "en"), _changed(clinic, "es")

    assert "Thyroid test (TSH): 1.8 mIU/L" in english
    assert "Platelet count: 275 thousand/µL" in english
    assert "Prueba de la tiroides (TSH): 1.8 mIU/L" in spanish
    assert "Conteo de plaquetas: 275 thousand/µL" in spanish
    assert not any("10*3" in text or "[Units/volume]" in text for text in english + spanish)


def test_a_line_stored_before_the_plain_names_reads_as_it_was_stored() -> None:
    assert say("result", {"name": "Sodium", "value": "140 mmol/L"}) == "Sodium: 140 mmol/L"
    # A test records cannot explain keeps its name; its number reads to the precision a person reads.
    odd = {"name": "Odd test", "code": "x-1", "value": "4.5678 mg", "number": "4.5678", "unit": "mg"}
    assert say("result", odd) == "Odd test: 4.57 mg"


@time_machine.travel(NOW, tick=False)
def test_medicine_diagnosis_and_visit_lines_open_at_their_own_line(client: Client, clinic: Clinic) -> None:
    medicine = _item(clinic, 2, kind=Kind.MEDICATION, display="Metformin 500 mg", code="860975", status="active")
    diagnosis = _item(clinic, 3, kind=Kind.PROBLEM, display="Type 2 diabetes", code="44054006", status="active")
    visit = _item(clinic, 10, kind=Kind.VISIT, display="Office visit", code="185349003", status="finished")
    refresh.rebuild(clinic.patient.pk, now=NOW)
    sign_in(client, clinic.patient.user)

    page = client.get(f"/p/{clinic.patient.pk}/").content.decode()
    found = re.findall(r'class="briefing__line">\s*<a href="([^"]+)">([^<]+)</a>', page)
    links = {html.unescape(text).strip(): html.unescape(href) for href, text in found}

    base = f"/p/{clinic.patient.pk}/record"
    assert links["Medicine started: Metformin 500 mg"] == f"{base}/medications/#item-{medicine.pk}"
    assert links["New diagnosis: Type 2 diabetes"] == f"{base}/problems/#item-{diagnosis.pk}"
    assert links["Visit: Check-up"] == f"{base}/visits/#item-{visit.pk}"
    # The care team's clinic opens its last visit.
    assert links[clinic.organization.name] == f"{base}/visits/#item-{visit.pk}"
    for item, slug in ((medicine, "medications"), (diagnosis, "problems"), (visit, "visits")):
        listed = client.get(f"{base}/{slug}/").content.decode()
        assert f'id="item-{item.pk}"' in listed


@time_machine.travel(NOW, tick=False)
def test_a_caregivers_home_cards_name_the_patient(client: Client, clinic: Clinic) -> None:
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=list(Scope.values)).grantee
    name = clinic.patient.preferred_name or clinic.patient.given_name

    theirs = html.unescape(sign_in(client, carer).get(f"/p/{clinic.patient.pk}/").content.decode())
    own = html.unescape(sign_in(Client(), clinic.patient.user).get(f"/p/{clinic.patient.pk}/").content.decode())

    assert f"{name}'s results, problems, medications" in theirs
    assert "Your results" not in theirs
    assert "Your results, problems, medications" in own
