"""Read FHIR R4 resources from a Bundle or from bulk NDJSON, one resource at a time.

Both are read streaming: a bundle entry by entry (ijson), NDJSON line by line, so memory
holds one resource at a time whatever the file's size. A malformed line or entry becomes a
`Problem` for the import report and the rest of the file is still read; a problem with the
whole file (not JSON, nested absurdly deep, not FHIR R4, a bundle that is not a set of
records) raises `FileRefused`, and the import stores nothing from it.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
import orjson
from django.utils.translation import gettext as _
from ijson.common import ObjectBuilder

# FHIR resources nest about 10 levels; far deeper is a broken or hostile file, refused before
# anything builds it (a parser or a recursive walk of 100,000 levels exhausts the stack).
log = logging.getLogger(__name__)

MAX_DEPTH = 64
# Bundles that carry a set of records to keep. A searchset is a page of a search (with
# OperationOutcome entries and includes), a history holds several versions of one resource,
# the *-response types are a server's answers: none is a copy of a record.
IMPORTABLE_BUNDLE_TYPES = frozenset({"transaction", "batch", "collection", "document"})
# Resource types that exist only before R4 (DSTU2 or STU3).
PRE_R4_TYPES = frozenset(
    {"MedicationOrder", "DiagnosticOrder", "ProcedureRequest", "ReferralRequest", "DeviceUseRequest", "Order"}
)
# Elements STU3 had and R4 renamed: an R4 resource never carries them.
STU3_ELEMENTS = {
    "Observation": ("context",),
    "DiagnosticReport": ("context",),
    "Procedure": ("context", "definition"),
    "MedicationRequest": ("context", "definition"),
    "MedicationStatement": ("taken",),  # R4 kept its context element
    "Immunization": ("notGiven", "date"),
    "Condition": ("context", "assertedDate"),
    "AllergyIntolerance": ("assertedDate",),
    "CarePlan": ("context", "definition"),
    "DocumentReference": ("created", "indexed", "class"),
}
# Elements that became CodeableConcepts in R4 and were plain codes in STU3.
STU3_CODES = {"Condition": ("clinicalStatus", "verificationStatus"), "AllergyIntolerance": ("clinicalStatus",)}


# Some systems (and Windows editors) start a UTF-8 file with a byte-order mark; JSON parsers refuse it.
BOM = codecs.BOM_UTF8


class _Prefixed:
    """A byte stream with a few bytes already read from it put back in front."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(size)
        if size < 0:
            data, self.head = self.head + self.stream.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        return data + self.stream.read(size - len(data)) if len(data) < size else data


def without_bom(stream: IO[bytes]) -> Any:
    """`stream` from its first byte after a leading UTF-8 byte-order mark, if it has one."""
    head = stream.read(len(BOM))
    return stream if head == BOM else _Prefixed(head, stream)


class FileRefused(Exception):  # noqa: N818 - a reason to refuse, not a programming error
    """The whole file cannot be imported; `reason` is shown on the run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    location: str
    resource: dict[str, Any]
    # The bundle's fullUrl ("urn:uuid:...") that other entries may use to refer to this one.
    full_url: str = ""


@dataclass(frozen=True)
class Problem:
    location: str
    message: str
    resource_type: str = ""
    source_id: str = ""


def fhir_version_of(resource: dict[str, Any]) -> str:
    """ "STU3" (or "DSTU2") when the resource says or shows it is older than R4; "" otherwise."""
    meta = resource.get("meta")
    declared = str(resource.get("fhirVersion") or (meta.get("fhirVersion") if isinstance(meta, dict) else "") or "")
    if declared and not declared.startswith("4."):
        return "DSTU2" if declared.startswith(("1.", "0.")) else "STU3" if declared.startswith("3.") else declared
    kind = str(resource.get("resourceType") or "")
    if kind in {"MedicationOrder", "DiagnosticOrder", "DeviceUseRequest", "Order"}:
        return "DSTU2"
    if kind in PRE_R4_TYPES or any(name in resource for name in STU3_ELEMENTS.get(kind, ())):
        return "STU3"
    if any(isinstance(resource.get(name), str) for name in STU3_CODES.get(kind, ())):
        return "STU3"
    return ""


def check_version(resource: dict[str, Any], location: str) -> None:
    version = fhir_version_of(resource)
    if version:
        raise FileRefused(
            _("This is FHIR %(version)s, not FHIR R4 (%(location)s, %(type)s). Ask the sender for an R4 export.")
            % {"version": version, "location": location, "type": resource.get("resourceType", "?")}
        )


def check_bundle(bundle: dict[str, Any]) -> None:
    """The top of a bundle (its resourceType, type and meta): refused unless it is a set of R4 records."""
    if bundle.get("resourceType") != "Bundle":
        raise FileRefused(_("The file is not a FHIR Bundle (resourceType must be 'Bundle')."))
    kind = bundle.get("type")
    if kind is not None and kind not in IMPORTABLE_BUNDLE_TYPES:
        raise FileRefused(
            _(
                "This is a '%(type)s' bundle, not a set of records to import "
                "(a transaction, batch, collection or document bundle is)."
            )
            % {"type": kind}
        )
    check_version({"meta": bundle.get("meta"), "fhirVersion": bundle.get("fhirVersion")}, _("the bundle"))


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"{}[]")


def nesting_depth(data: bytes) -> int:
    """How deep the JSON in `data` (perhaps only the start of a file) nests, without parsing it."""
    depth = deepest = 0
    for bracket in _STRING.sub(b"", data).translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in b"{[" else -1
        deepest = max(deepest, depth)
    return deepest


def too_deep_message() -> str:
    return _("The file's JSON is nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH}


def _too_deep() -> FileRefused:
    return FileRefused(too_deep_message())


# What a JSON value is, in the words of an import report.
JSON_KINDS = {
    list: "a list",
    str: "text",
    bool: "true or false",
    type(None): "null",
    int: "a number",
    float: "a number",
}


def _entry(entry: Any, location: str) -> Entry | Problem:
    if not isinstance(entry, dict):
        kind = JSON_KINDS.get(type(entry), "not an object")
        return Problem(location, f"The entry is {kind}, not an entry with a resource; it was skipped.")
    resource = entry.get("resource")
    if not isinstance(resource, dict):
        return Problem(location, "The entry has no resource.")
    check_version(resource, location)
    return Entry(location, resource, full_url=str(entry.get("fullUrl") or ""))


def read_bundle(stream: IO[bytes], name: str = "bundle") -> Iterator[Entry | Problem]:
    """Entry by entry: only the entry being read is ever built."""
    top: dict[str, Any] = {}
    depth, number = 0, 0
    builder: Any = None  # the entry or top-level element being built
    key = ""
    try:
        # Floats, not Decimals: the same numbers orjson reads, so content hashes stay the same.
        for prefix, event, value in ijson.parse(without_bom(stream), use_float=True):
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep()
            elif event in ("end_map", "end_array"):
                depth -= 1
            if prefix == "":  # the file's root: a map of top-level keys, or not a bundle at all
                if event == "map_key":
                    key = value
                    continue
                if event == "start_map" and depth == 1:
                    continue
                if event == "end_map":
                    break
                raise FileRefused(_("The file is not a FHIR Bundle (resourceType must be 'Bundle')."))
            if key == "entry":
                if prefix == "entry" and event not in ("start_array", "end_array"):
                    # An object or a value: nothing under it is an entry, so the file holds no records.
                    raise FileRefused(_("The bundle's entry is not a list of entries."))
                if prefix == "entry":
                    continue
                if builder is None and prefix == "entry.item":
                    if event in ("start_map", "start_array"):
                        builder = ObjectBuilder()
                    else:  # a number, a string, true, false or null where an entry should be
                        number += 1
                        yield _entry(value, f"{name} entry {number}")
                        continue
                if builder is not None:
                    builder.event(event, value)
                    if prefix == "entry.item" and event in ("end_map", "end_array"):
                        number += 1
                        yield _entry(builder.value, f"{name} entry {number}")
                        builder = None
                continue
            # A small top-level element (resourceType, type, meta): built whole, checked as soon as known.
            if builder is None:
                builder = ObjectBuilder()
            builder.event(event, value)
            if depth == 1:
                top[key], builder = builder.value, None
                if key in ("resourceType", "type", "meta"):
                    check_bundle({"resourceType": "Bundle", **top} if key != "resourceType" else top)
    except ijson.JSONError as error:
        # The parser's own words ("lexical error: invalid char in json text") help no one at the clinic.
        log.warning("file not valid JSON", extra={"file": name, "error": str(error)[:200]})
        raise FileRefused(
            _(
                "The file is not valid JSON: it is cut short or damaged (a missing bracket, comma or quote), "
                "so nothing in it could be read. Ask the source to send it again."
            )
        ) from error
    if not top:
        raise FileRefused(_("The file is not a FHIR Bundle (resourceType must be 'Bundle')."))
    check_bundle(top)


def read_ndjson(lines: Iterable[str | bytes], name: str) -> Iterator[Entry | Problem]:
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix(BOM) if isinstance(line, bytes) else line.removeprefix("\ufeff")
        if not line.strip():
            continue
        location = f"{name} line {number}"
        try:
            resource = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            log.warning("line not valid JSON", extra={"location": location, "error": error.msg})
            yield Problem(
                location,
                "The line is not valid JSON: it is cut short or damaged (a missing bracket, comma or quote), "
                "so it could not be read.",
            )
            continue
        if not isinstance(resource, dict):
            yield Problem(location, "The line is not a FHIR resource.")
            continue
        check_version(resource, location)
        yield Entry(location, resource)


def read_path(path: Path, name: str = "") -> Iterator[Entry | Problem]:
    """A .json Bundle, an .ndjson file, or a folder of .ndjson files (as bulk $export writes them);
    a file is named `name` in locations (the name it was uploaded under), or by its own name.
    A file with no resource at all (no entry with a resourceType) is refused."""
    found = False
    for read in _read_path(path, name or path.name):
        if isinstance(read, Entry) and read.resource.get("resourceType"):
            found = True
        yield read
    if not found:
        raise FileRefused(_("The file holds no FHIR resource (nothing with a resourceType)."))


def _read_path(path: Path, name: str) -> Iterator[Entry | Problem]:
    if path.is_dir():
        # One file per resource type ("Observation.000.ndjson"); the export's own log.ndjson and
        # the like are not resources. Patients first, so every other resource finds its patient.
        files = sorted(
            (file for file in path.glob("*.ndjson") if file.name[:1].isupper()),
            key=lambda file: (not file.name.startswith("Patient."), file.name),
        )
        for file in files:
            with file.open("rb") as handle:
                yield from read_ndjson(handle, file.name)
        return
    with path.open("rb") as handle:
        if path.suffix == ".ndjson":
            yield from read_ndjson(handle, name)
        else:
            yield from read_bundle(handle, name)
