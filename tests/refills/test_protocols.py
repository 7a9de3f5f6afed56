"""Protocols as data: the starter set loads validated and pending a clinician's approval, is
loaded once (an administrator's edits stay), and the admin's validation refuses what would make
a protocol unsafe."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from refills.models import RefillProtocol
from refills.services.protocols import load_starter_protocols, starter_protocols

pytestmark = pytest.mark.django_db


def test_the_starter_set_loads_once_pending_approval_and_keeps_edits() -> None:
    assert load_starter_protocols() == 8
    RefillProtocol.objects.filter(key="statins").update(max_days_supply=30)

    assert load_starter_protocols() == 0
    assert RefillProtocol.objects.get(key="statins").max_days_supply == 30
    assert set(RefillProtocol.objects.values_list("approved_by", flat=True)) == {""}
    assert RefillProtocol.objects.get(key="schedule_ii").handling == RefillProtocol.Handling.NOT_BY_PORTAL


def _protocol(**fields: object) -> RefillProtocol:
    values: dict[str, object] = {"key": "x", "name": "X", "rxnorm_codes": ["1"]}
    values.update(fields)
    return RefillProtocol(**values)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"dea_schedule": "II", "handling": "prescriber"}, "handling"),
        ({"dea_schedule": "IV", "handling": "protocol"}, "handling"),
        ({"lab_low": Decimal(1)}, "lab_loinc_codes"),
        ({"lab_loinc_codes": ["4548-4"]}, "lab_within_months"),
        (
            {"lab_loinc_codes": ["4548-4"], "lab_within_months": 6, "lab_low": Decimal(9), "lab_high": Decimal(7)},
            "lab_high",
        ),
        ({"systolic_max": 140}, "blood_pressure_within_months"),
        ({"approved_by": "Dr. Okafor"}, "approved_on"),
    ],
)
def test_the_admin_refuses_an_unsafe_protocol(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _protocol(**fields).full_clean()
    assert field in refused.value.message_dict


def test_every_starter_protocol_is_valid() -> None:
    assert [p.key for p in starter_protocols()] == [
        "metformin",
        "ace_arb",
        "statins",
        "levothyroxine",
        "antihypertensives",
        "anticoagulants",
        "antibiotics",
        "schedule_ii",
    ]
