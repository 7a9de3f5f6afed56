"""Rewrite a source's references to the portal's own ids, for a whole page in one query.

A source refers by its own ids ("urn:uuid:...", "Encounter/abc", ".../Patient/123"), or by a
bundle's fullUrl or conditionally, which the import resolved and kept on the record.
The API answers with portal ids, so a reference becomes `Patient/<portal patient id>`
or `<Type>/<portal record id>` when it points at something this caller may read about
the same patient. Anything else (a practitioner, an organization, a held result, a
conditional reference) keeps only its `display` (for a practitioner, organization or
location the source sent, its name), or goes when there is nothing to show.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db.models import Case, F, JSONField, Q, When

from records.fhir.resolve_references import references_in
from records.fhir_api.resource_types import CLINICAL_TYPES, PATIENT
from records.fhir_api.visibility import Visibility
from records.models import SourceRecord

# Resources about no patient that references may name: shown by name, never exposed.
DIRECTORY = ("Practitioner", "Organization", "Location")


def parse(reference: str) -> tuple[str | None, str] | None:
    """(type or None, source id) of a literal reference; None when it cannot be followed."""
    if reference.startswith("urn:uuid:"):
        return None, reference.removeprefix("urn:uuid:")
    if "?" in reference or reference.startswith("#"):
        return None
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and parts[-2] and parts[-1]:
        return parts[-2], parts[-1]
    return None


def target_of(record: SourceRecord, reference: str) -> tuple[str | None, str] | None:
    """(type or None, source id) a record's reference points at: as the import resolved it (by
    the bundle's fullUrl, or conditionally), else as it reads."""
    resolved = record.resolved_references.get(reference) if isinstance(record.resolved_references, dict) else None
    if isinstance(resolved, list) and len(resolved) == 2:
        return str(resolved[0]), str(resolved[1])
    return parse(reference)


class ReferenceMap:
    """The portal ids of everything a page's resources refer to, visible to this caller."""

    def __init__(self, patient_id: UUID, visibility: Visibility) -> None:
        self.patient_id = patient_id
        self.visibility = visibility
        # (source id, source resource id) -> [(type, portal id)]
        self.targets: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
        # (source id, source resource id) -> the name of a practitioner, organization or location
        self.names: dict[tuple[int, str], str] = {}

    def load(self, records: Iterable[SourceRecord]) -> ReferenceMap:
        wanted: dict[int, set[str]] = defaultdict(set)
        for record in records:
            for ref in references_in(record.raw):
                parsed = target_of(record, ref["reference"])
                if parsed is not None:
                    wanted[record.source_id].add(parsed[1])
        if not wanted:
            return self
        ids = set().union(*wanted.values())
        rows = (
            SourceRecord.objects.filter(source_id__in=wanted, resource_id__in=ids)
            .filter(Q(patient_id=self.patient_id) | Q(patient=None, resource_type__in=DIRECTORY))
            .annotate(directory=Case(When(resource_type__in=DIRECTORY, then=F("raw")), output_field=JSONField()))
            .values_list(
                "source_id", "resource_type", "resource_id", "pk", "item__release", "item__confidential", "directory"
            )
        )
        for source_id, kind, resource_id, pk, release, confidential, directory in rows:
            if resource_id not in wanted[source_id]:
                continue
            if kind in DIRECTORY:
                name = name_of(directory)
                if name:
                    self.names[(source_id, resource_id)] = name
            elif kind == PATIENT:
                self.targets[(source_id, resource_id)].append((PATIENT, str(self.patient_id)))
            elif kind in CLINICAL_TYPES and self.visibility.allows(release, confidential):
                self.targets[(source_id, resource_id)].append((kind, str(pk)))
        return self

    def resolve(self, record: SourceRecord, reference: str) -> str | None:
        parsed = target_of(record, reference)
        if parsed is None:
            return None
        kind, resource_id = parsed
        for target_kind, portal_id in self.targets.get((record.source_id, resource_id), []):
            if kind is None or kind == target_kind:
                return f"{target_kind}/{portal_id}"
        return None

    def rewrite(self, record: SourceRecord) -> dict[str, Any]:
        """A copy of the record's raw resource with every reference rewritten or reduced."""
        resource = copy.deepcopy(record.raw)
        for ref in list(references_in(resource)):
            if ref["reference"].startswith("#"):
                continue  # a contained resource: already local
            target = self.resolve(record, ref["reference"])
            if target is not None:
                ref["reference"] = target
                continue
            if not ref.get("display"):
                name = self.name(record, ref["reference"])
                if name:
                    ref["display"] = name
            del ref["reference"]
        return _without_empty(resource)

    def name(self, record: SourceRecord, reference: str) -> str | None:
        parsed = target_of(record, reference)
        return self.names.get((record.source_id, parsed[1])) if parsed is not None else None


def name_of(resource: Any) -> str:
    """How a practitioner, organization or location is named: "Dr. Ana Lopez", "Lakeside Clinic"."""
    if not isinstance(resource, dict):
        return ""
    name = resource.get("name")
    if isinstance(name, str):
        return name
    if isinstance(name, list) and name and isinstance(name[0], dict):
        human = name[0]
        if human.get("text"):
            return str(human["text"])
        parts = [*human.get("prefix", []), *human.get("given", []), human.get("family", "")]
        return " ".join(str(part) for part in parts if part)
    return ""


def _without_empty(node: Any) -> Any:
    """Drop objects and lists left empty (a reference with nothing left to say), as FHIR requires."""
    if isinstance(node, dict):
        cleaned = {key: _without_empty(value) for key, value in node.items()}
        return {key: value for key, value in cleaned.items() if value not in ({}, [], None)}
    if isinstance(node, list):
        cleaned_items = [_without_empty(value) for value in node]
        return [value for value in cleaned_items if value not in ({}, [], None)]
    return node
