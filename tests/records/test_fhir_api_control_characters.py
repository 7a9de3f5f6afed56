"""A control character (NUL above all: PostgreSQL refuses it in text) in a search parameter is
refused with a 400 naming the parameter, never passed to the database (500 DataError); the old
trend-by-code address answers 404 for such a code."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

FHIR = "/fhir/R4"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("Observation?patient={pk}&code=%00", "code"),
        ("Observation?patient={pk}&code=http://loinc.org|%00", "code"),
        ("Observation?patient={pk}&category=%00", "category"),
        ("Observation?patient={pk}&code=4548-4%01", "code"),
        ("Observation?patient={pk}%00", "patient"),
        ("Condition?patient={pk}&clinical-status=%00", "clinical-status"),
        ("Patient?identifier=%00", "identifier"),
        ("Patient?_id=1%00", "_id"),
        ("Patient/{pk}/$everything?_type=Observation%00", "_type"),
    ],
)
def test_a_control_character_in_a_search_answers_400_naming_the_parameter(imported, me, query, param) -> None:
    response = me.get(f"{FHIR}/{query.format(pk=imported.pk)}")

    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [param]


def test_a_nul_in_the_old_trend_by_code_address_is_not_found(imported, me) -> None:
    response = me.get(f"/p/{imported.pk}/record/results/%00/")

    assert response.status_code == 404
