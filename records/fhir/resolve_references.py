"""Resolve FHIR references to the (resource type, id) they point at, within one import.

Bundles refer by fullUrl ("urn:uuid:..."); bulk NDJSON by "Patient/123" or by a
conditional reference ("Practitioner?identifier=system|value") that is resolved
against the identifiers of resources seen in the same import.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def references_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every Reference (an object with a string `reference`) inside a resource."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node
        for value in node.values():
            yield from references_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from references_in(value)


def spelled_id(reference: str) -> str | None:
    """The id a literal reference spells ("urn:uuid:X", "Type/X", ".../Type/X/_history/2" all X)."""
    if reference.startswith("urn:uuid:"):
        return reference.removeprefix("urn:uuid:")
    if "?" in reference or reference.startswith("#"):
        return None
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    return parts[-1] if len(parts) >= 2 and parts[-2] and parts[-1] else None


class References:
    def __init__(self) -> None:
        self._by_full_url: dict[str, tuple[str, str]] = {}
        self._by_identifier: dict[tuple[str, str, str], str] = {}

    def learn(self, resource: dict[str, Any], full_url: str = "") -> None:
        kind, rid = str(resource.get("resourceType", "")), str(resource.get("id", ""))
        if full_url:
            self._by_full_url[full_url] = (kind, rid)
        for identifier in resource.get("identifier") or []:
            if isinstance(identifier, dict) and identifier.get("value"):
                key = (kind, str(identifier.get("system", "")), str(identifier["value"]))
                self._by_identifier[key] = rid

    def resolve(self, reference: Any) -> tuple[str, str] | None:
        """("Patient", "123") for a reference object or string, or None if it cannot be resolved."""
        if isinstance(reference, dict):
            reference = reference.get("reference")
        if not isinstance(reference, str) or not reference:
            return None
        if reference in self._by_full_url:
            return self._by_full_url[reference]
        if reference.startswith("urn:uuid:"):
            return None
        kind, _, rest = reference.partition("?")
        if rest.startswith("identifier="):
            system, _, value = rest.removeprefix("identifier=").partition("|")
            rid = self._by_identifier.get((kind, system, value))
            return (kind, rid) if rid else None
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] and parts[-1]:
            return parts[-2], parts[-1]
        return None

    def resolved_otherwise(self, resource: dict[str, Any]) -> dict[str, list[str]]:
        """The references of `resource` this import resolved to another resource than the id they
        spell: by a bundle's fullUrl that is not the resource's id, or conditionally. Kept on the
        record ({reference: [type, source id]}) so the API follows them as the import did."""
        found: dict[str, list[str]] = {}
        for node in references_in(resource):
            reference = node["reference"]
            target = self.resolve(reference)
            if target is not None and target[1] and spelled_id(reference) != target[1]:
                found[reference] = [target[0], target[1]]
        return found
