"""When two record lines from different sources are the same result, visit, procedure, study or plan.

Problems, medicines, allergies and doses are the same thing when their code is (projection.py
keys them by code; an uncoded medicine by its name). A result, a visit, a procedure, a report or
a document is an event: two are the same only when they say the same code (or, with no code, the
same name), at the same instant, with the same value and unit (a report or document: the same text
and files). A minute apart, or a different value at the same instant, is two measurements.
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
    # A report or a document is the same one when it also says the same (its text and files).
    "report": "report",
    "document": "document",
}
CONTENT_PREFIXES = ("report", "document")


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    normal = value.normalize()
    return f"{normal:f}"


def content_digest(body: str, attachment_hashes: list[str]) -> str:
    """What a report or document says: its text and the SHA-256 of each file it carries."""
    return hashlib.sha256("\x1f".join([" ".join(body.split()), *attachment_hashes]).encode()).hexdigest()


def event_key(kind: str, display: str, fields: dict[str, Any], content: str = "") -> str:
    """The dedup key of a result, visit or procedure line ("" for other kinds and undated events);
    a report's or document's also holds its `content_digest`."""
    prefix = EVENT_PREFIX.get(kind)
    when: datetime | None = fields.get("effective_at")
    # An undated event cannot be told from another; an undated document can, by what it says.
    if prefix is None or (when is None and prefix not in CONTENT_PREFIXES):
        return ""
    code = str(fields.get("code") or "")
    what = f"code:{code}" if code else f"text:{' '.join(display.lower().split())}"
    parts = [what, when.astimezone(UTC).isoformat() if when is not None else "undated"]
    if prefix == "result":
        parts += [
            _number(fields.get("value_number")),
            " ".join(str(fields.get("value_text") or "").split()),
            str(fields.get("unit") or "").strip().lower(),
        ]
    if prefix in CONTENT_PREFIXES:
        parts.append(content)
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{prefix}:{digest}"


def thing_key(prefix: str, *identity: str) -> str:
    """The key of something that is the same whenever it is named the same (a goal's words, a
    device's UDI), however often a source lists it; "" when nothing names it."""
    if not any(identity):
        return ""
    text = "\x1f".join(" ".join(part.lower().split()) for part in identity)
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()}"


# Keys of things two of which from one source may be two real things (two walkers with no serial
# number): merged across sources, paired within one like events (records.selectors.patient).
PAIRED = "paired:"


def paired_key(prefix: str, *identity: str) -> str:
    key = thing_key(prefix, *identity)
    return f"{PAIRED}{key}" if key else ""
