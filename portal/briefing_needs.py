"""What the patient's briefing lists under "What needs you", offered by the apps that know it.

Like portal/home_cards.py: an app registers a provider in its AppConfig.ready (refills: a refill
running out; billing: a balance due), and the briefing's builder (summaries) asks every provider
without importing any app. A provider reads through its own app's selectors, for one patient, in a
constant number of queries, and returns `Need`s: no sentence, only a template key the briefing
knows how to say (summaries/services/phrases.py) and the data that fills it, each naming the row
it comes from so the line links to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class Source:
    """The row a line comes from and the patient page that shows it (a URL name under
    /p/<patient_id>/, with its other keyword arguments); and, when the patient's page is not one
    staff may open, the staff page that shows the same row (a URL name under /staff/ with its
    keyword arguments): the clinician's pre-visit briefing links there."""

    model: str
    id: object
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    staff_url: str = ""
    staff_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Need:
    key: str  # a phrase key the briefing knows (summaries/services/phrases.py)
    params: dict[str, Any]
    source: Source
    scope: str  # the proxy scope a caregiver needs to see this line (records, messaging, ...)
    organizations: tuple[str, ...] = ()
    on: date | datetime | None = None
    confidential: bool = False
    # Sorts the section: lower first (something urgent before something routine).
    rank: int = 50


class NeedProvider(Protocol):
    def __call__(self, patient_id: UUID | str, *, now: datetime) -> list[Need]: ...


_registry: dict[str, NeedProvider] = {}


def register(name: str, provider: NeedProvider) -> None:
    """Offer the briefing the needs `provider` finds (once per name)."""
    _registry[name] = provider


def needs_for(patient_id: UUID | str, *, now: datetime) -> list[Need]:
    """Every provider's needs for this patient, in registration order."""
    found: list[Need] = []
    for provider in _registry.values():
        found.extend(provider(patient_id, now=now))
    return found
