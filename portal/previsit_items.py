"""What other apps add to the clinician's pre-visit briefing (summaries), without importing it.

Like portal/briefing_needs.py: an app registers a provider in its AppConfig.ready; the pre-visit
briefing's builder asks every provider for one patient as of the visit and stores what they return.
Refill requests will come from the refills app this way. A provider returns `Need`s (the same shape
as the patient's "What needs you": a phrase key the briefing knows, its params, the source row and
page), read through its own app's selectors in a constant number of queries."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from portal.briefing_needs import Need


class PrevisitProvider(Protocol):
    def __call__(self, patient_id: UUID | str, *, now: datetime) -> list[Need]: ...


# section name (e.g. "refills") -> its provider
_registry: dict[str, PrevisitProvider] = {}


def register(section: str, provider: PrevisitProvider) -> None:
    """Offer the pre-visit briefing a section of its own, filled by `provider` (once per section)."""
    _registry[section] = provider


def sections() -> list[str]:
    return list(_registry)


def items_for(patient_id: UUID | str, *, now: datetime) -> dict[str, list[Need]]:
    """Every registered section's items for this patient, in registration order."""
    return {section: provider(patient_id, now=now) for section, provider in _registry.items()}
