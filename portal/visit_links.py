"""Links other apps add to each visit on the staff schedule (the clinician's pre-visit briefing).

Like portal/home_cards.py: the schedule lives in scheduling, the pre-visit briefing in summaries,
the top layer no app may import. So summaries registers a provider here in its AppConfig.ready and
the schedule asks the registry for the links of the visits it shows, without importing summaries.
A provider answers for every visit of the page at once (a constant number of queries) and only
with links the actor may follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from portal.models import User


@dataclass(frozen=True)
class VisitLink:
    text: str  # already in the reader's language
    url: str
    # A word on the link's state ("ready", "being prepared"), in the reader's language.
    note: str = ""


class VisitLinkProvider(Protocol):
    def __call__(self, appointment_ids: Sequence[int], *, actor: User) -> dict[int, list[VisitLink]]: ...


_registry: dict[str, VisitLinkProvider] = {}


def register(name: str, provider: VisitLinkProvider) -> None:
    """Offer the schedule the links `provider` makes for its visits (once per name)."""
    _registry[name] = provider


def links_for(appointment_ids: Sequence[int], *, actor: User) -> dict[int, list[VisitLink]]:
    """Every provider's links for these visits, by appointment id, in registration order."""
    found: dict[int, list[VisitLink]] = {}
    if not appointment_ids:
        return found
    for provider in _registry.values():
        for appointment_id, links in provider(appointment_ids, actor=actor).items():
            found.setdefault(appointment_id, []).extend(links)
    return found
