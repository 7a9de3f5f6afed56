"""When two record lines from different sources are the same result, visit, procedure, study or plan.

Problems, medicines, allergies and doses are the same thing when their code is (projection.py
keys them by code). A result, a visit or a procedure is an event: two are the same only when
they say the same code (or, with no code, the same name), at the same instant, with the same
value and unit. A minute apart, or a different value at the same instant, is two measurements.
The key is stored on the line (`RecordItem.dedup_key`) and read by records.selectors.patient,
which merges lines across sources only: a source's own two resources are never one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

# Kinds keyed here, and the prefix of their key (the results page shows the three result kinds together).
EVENT_PREFIX = {
    "result": "result",
    "vital": "result",
    "observation": "result",
    "visit": "visit",
    "procedure": "procedure",
    "imaging": "imaging",
    "care_plan": "care_plan",
}


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    normal = value.normalize()
    return f"{normal:f}"


def event_key(kind: str, display: str, fields: dict[str, Any]) -> str:
    """The dedup key of a result, visit or procedure line ("" for other kinds and undated events)."""
    prefix = EVENT_PREFIX.get(kind)
    when: datetime | None = fields.get("effective_at")
    if prefix is None or when is None:
        return ""
    code = str(fields.get("code") or "")
    what = f"code:{code}" if code else f"text:{' '.join(display.lower().split())}"
    parts = [what, when.astimezone(UTC).isoformat()]
    if prefix == "result":
        parts += [
            _number(fields.get("value_number")),
            " ".join(str(fields.get("value_text") or "").split()),
            str(fields.get("unit") or "").strip().lower(),
        ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{prefix}:{digest}"


def thing_key(prefix: str, *identity: str) -> str:
    """The key of something that is the same whenever it is named the same (a goal's words, a
    device's UDI), however often a source lists it; "" when nothing names it."""
    if not any(identity):
        return ""
    text = "\x1f".join(" ".join(part.lower().split()) for part in identity)
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()}"
