"""Read FHIR R4 resources from a Bundle or from bulk NDJSON, one resource at a time.

A malformed line or entry becomes a `Problem` for the import report; the rest of
the file is still read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson


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


def read_bundle(stream: IO[bytes] | IO[str], name: str = "bundle") -> Iterator[Entry | Problem]:
    try:
        bundle = orjson.loads(stream.read())
    except orjson.JSONDecodeError as error:
        yield Problem(name, f"The file is not valid JSON: {error}")
        return
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        yield Problem(name, "The file is not a FHIR Bundle (resourceType must be 'Bundle').")
        return
    for number, entry in enumerate(bundle.get("entry") or [], start=1):
        location = f"{name} entry {number}"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            yield Problem(location, "The entry has no resource.")
            continue
        yield Entry(location, resource, full_url=str(entry.get("fullUrl") or ""))


def read_ndjson(lines: Iterable[str | bytes], name: str) -> Iterator[Entry | Problem]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        location = f"{name} line {number}"
        try:
            resource = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield Problem(location, f"The line is not valid JSON: {error.msg}")
            continue
        if not isinstance(resource, dict):
            yield Problem(location, "The line is not a FHIR resource.")
            continue
        yield Entry(location, resource)


def read_path(path: Path) -> Iterator[Entry | Problem]:
    """A .json Bundle, an .ndjson file, or a folder of .ndjson files (as bulk $export writes them)."""
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
            yield from read_ndjson(handle, path.name)
        else:
            yield from read_bundle(handle, path.name)
