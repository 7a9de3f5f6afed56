"""Guards for values from a request that are matched against the database.

PostgreSQL refuses, with an error (a 500), a string longer than a varchar column compared with
it, and an integer past bigint in an `IN` list or an OFFSET. Such a value can never match a row,
so a lookup answers "nothing found" instead of asking the database.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q

# A filter no row satisfies, without a query (Django skips the database for an empty `IN`).
NOTHING = Q(pk__in=[])
# The largest value of a PostgreSQL bigint (BigAutoField, BigIntegerField).
BIGINT_MAX = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def fits(model: type[models.Model], field: str, value: str) -> bool:
    """Whether `value` is short enough to be stored in `model.field` (so it can match a row)."""
    max_length = getattr(model._meta.get_field(field), "max_length", None)
    return max_length is None or len(value) <= max_length


def as_id(value: str) -> int | None:
    """`value` as a row id (ASCII digits, within bigint), or None when it cannot be one.
    str.isdigit() is not enough: it passes '²', which int() refuses, and any number of digits."""
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= BIGINT_MAX else None
