"""What the patient's briefing lists under "What needs you", offered by the apps that know it.

Like portal/home_cards.py: an app registers a provider in its AppConfig.ready (refills: a refill
running out; billing: a balance due), and the briefing's builder (summaries) asks every provider
without importing any app. A provider reads through its own app's selectors, for one patient (and,
offered as `many`, for a batch of patients), in a constant number of queries, and returns `Need`s:
no sentence, only a template key the briefing knows how to say (summaries/services/phrases.py)
and the data that fills it, each naming the row it comes from so the line links to it."""

from __future__ import annotations

from collections.abc import Sequence
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
    # Where on the page the row is ("item-12": its line on a list page), or "".
    anchor: str = ""


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


class BatchNeedProvider(Protocol):
    """The same needs for a batch of patients at once, by patient id as a string (every id of the
    batch a key), in a constant number of queries whatever the batch's size."""

    def __call__(self, patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]: ...


_registry: dict[str, tuple[NeedProvider, BatchNeedProvider | None]] = {}


def register(name: str, provider: NeedProvider, *, many: BatchNeedProvider | None = None) -> None:
    """Offer the briefing the needs `provider` finds (once per name). `many`, the same for a batch
    of patients, is what the workers' batch rebuild asks; without it the rebuild asks `provider`
    once per patient (right, but a few queries per patient instead of a few per batch)."""
    _registry[name] = (provider, many)


def needs_for(patient_id: UUID | str, *, now: datetime) -> list[Need]:
    """Every provider's needs for this patient, in registration order."""
    found: list[Need] = []
    for provider, _many in _registry.values():
        found.extend(provider(patient_id, now=now))
    return found


def needs_for_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    """`needs_for` every patient of a batch (ids as strings), each list in registration order."""
    found: dict[str, list[Need]] = {patient_id: [] for patient_id in patient_ids}
    for provider, many in _registry.values():
        if many is not None:
            for patient_id, needs in many(patient_ids, now=now).items():
                found[patient_id].extend(needs)
        else:
            for patient_id in patient_ids:
                found[patient_id].extend(provider(patient_id, now=now))
    return found
