"""Resolve FHIR references to the (resource type, id) they point at, within one import.

Bundles refer by fullUrl ("urn:uuid:..."); bulk NDJSON by "Patient/123" or by a
conditional reference ("Practitioner?identifier=system|value") that is resolved
against the identifiers of resources seen in the same import.
"""

from __future__ import annotations

from typing import Any


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
