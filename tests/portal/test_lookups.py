"""Guards for request values matched against the database (portal.lookups)."""

from __future__ import annotations

import pytest

from portal.lookups import BIGINT_MAX, as_id, fits
from portal.models import Patient


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (str(BIGINT_MAX), BIGINT_MAX),
        (str(BIGINT_MAX + 1), None),
        ("²", None),
        ("-1", None),
        ("", None),
        (" 1", None),
        ("9" * 5000, None),
        ("٣", None),
    ],
)
def test_as_id_takes_ascii_digits_within_bigint_only(value: str, expected: int | None) -> None:
    assert as_id(value) == expected


def test_fits_compares_with_the_columns_length() -> None:
    assert (fits(Patient, "mrn", "x" * 64), fits(Patient, "mrn", "x" * 65)) == (True, False)
