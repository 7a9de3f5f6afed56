"""Each protocol check on a real Synthea patient (Emilee Ritchie's bundle, imported through
records' importer), passing and failing as the clock moves or as an administrator configures the
protocol. Expected values are the bundle's own: simvastatin renewed yearly until 1999-01-24,
a lipid panel and potassium 4.56 that day, blood pressure 151/102 on 1999-01-20, potassium 5.17
and the last visit on 2000-01-17 (02:28 UTC: the evening before in the clinic's time zone)."""

from __future__ import annotations

from datetime import datetime

import pytest

from records.models import RecordItem
from records.selectors.patient import items_for_rules
from refills.models import RefillProtocol
from refills.protocol_checks import BLOOD_PRESSURE_CODES, Check, evaluate
from refills.selectors.staff import checks_for
from refills.services.requests import request_submit
from tests.refills.conftest import Clinic, form_key, import_bundle, key, local, needs_shared

pytestmark = [pytest.mark.django_db, needs_shared]
SIMVASTATIN = "316672"


@pytest.fixture
def emilee(clinic: Clinic):
    return import_bundle(clinic.home, "Emilee_Ritchie")


def _by_key(checks: list[Check]) -> dict[str, Check]:
    return {check.key: check for check in checks}


def _evaluate(clinic: Clinic, patient, protocol_key: str, now: datetime, **changes) -> dict[str, Check]:
    protocol = RefillProtocol.objects.get(key=protocol_key)
    for field, value in changes.items():
        setattr(protocol, field, value)
    protocol.full_clean()
    items = items_for_rules(
        patient.pk,
        kinds=(RecordItem.Kind.VISIT, RecordItem.Kind.MEDICATION),
        codes=[*protocol.lab_loinc_codes, *BLOOD_PRESSURE_CODES],
    )
    history = [i for i in items if i.kind == RecordItem.Kind.MEDICATION and i.code == SIMVASTATIN]
    others = [i for i in items if i.kind != RecordItem.Kind.MEDICATION]
    return _by_key(
        evaluate(protocol=protocol, history=history, items=others, home=clinic.home, days_supply=90, now=now)
    )


def test_a_statin_renewal_passes_with_a_lipid_panel_within_12_months_and_fails_after(
    clinic: Clinic, emilee, clock
) -> None:
    clock.move_to(local(1999, 6, 1))
    (request,) = request_submit(
        access=clinic.access(emilee.user, emilee),
        actor=emilee.user,
        medication_keys=[key(SIMVASTATIN)],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )

    checks, history = checks_for(request, now=local(1999, 6, 1))
    later, _history = checks_for(request, now=local(2000, 2, 1))

    assert [(c.key, c.passed) for c in checks] == [("lab", True), ("supply", True)]
    assert checks[0].evidence is not None and checks[0].evidence.code in {"2093-3", "18262-6"}
    assert "on 1999-01-23, within range" in checks[0].text
    assert len(history) == 33  # every yearly simvastatin prescription since 1967
    assert [(c.key, c.passed) for c in later] == [("lab", False), ("supply", True)]
    assert "older than 12 months" in later[0].text


def test_a_blood_pressure_above_the_protocols_limit_fails_and_a_wider_limit_passes(clinic: Clinic, emilee) -> None:
    now = local(1999, 6, 1)

    strict = _evaluate(clinic, emilee, "antihypertensives", now)
    wider = _evaluate(clinic, emilee, "antihypertensives", now, systolic_max=160, diastolic_max=110)

    assert (strict["blood_pressure"].passed, strict["blood_pressure"].evidence.value_text) == (False, "151/102")
    assert "above the protocol's limit" in strict["blood_pressure"].text
    assert wider["blood_pressure"].passed is True


def test_the_visit_check_passes_within_12_months_of_the_last_visit_and_fails_after(clinic: Clinic, emilee) -> None:
    recent = _evaluate(clinic, emilee, "antihypertensives", local(2000, 6, 1))
    stale = _evaluate(clinic, emilee, "antihypertensives", local(2001, 1, 20))

    assert recent["visit"].passed is True
    assert "Seen at Synthea General on 2000-01-16" in recent["visit"].text
    assert stale["visit"].passed is False


def test_potassium_in_range_passes_and_above_a_lower_limit_fails(clinic: Clinic, emilee) -> None:
    now = local(2000, 2, 1)

    default = _evaluate(clinic, emilee, "ace_arb", now)
    tighter = _evaluate(clinic, emilee, "ace_arb", now, lab_high=5)

    assert default["lab"].passed is True  # 5.17 in 3.5-5.2
    assert default["lab"].evidence.value_number.quantize(1) == 5
    assert tighter["lab"].passed is False
    assert "outside the protocol's range" in tighter["lab"].text


def test_no_refill_by_protocol_too_soon_after_a_start(clinic: Clinic, emilee) -> None:
    early = _evaluate(clinic, emilee, "statins", local(1967, 3, 1), no_refill_within_months_of_start=6)
    settled = _evaluate(clinic, emilee, "statins", local(1967, 9, 1), no_refill_within_months_of_start=6)

    assert (early["start"].passed, settled["start"].passed) == (False, True)
    assert "Started on 1967-01-31" in early["start"].text


def test_more_than_the_protocols_supply_fails(clinic: Clinic, emilee) -> None:
    assert _evaluate(clinic, emilee, "statins", local(1999, 6, 1), max_days_supply=60)["supply"].passed is False
    assert _evaluate(clinic, emilee, "statins", local(1999, 6, 1))["supply"].passed is True
