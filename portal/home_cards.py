"""The cards other apps offer the patient's home page. Each app registers a card provider in its
AppConfig.ready; the home page (summaries/views/patient.py) asks for them without importing any app.

The registry stays in portal, the bottom layer every app already imports, while the page lives in
summaries, the top: apps register here and never import summaries, so no import runs upward.

A provider reads what its card shows (scoped by the access policy, audited, a constant number of
queries) and returns the template that draws it; the home page calls only the providers whose
action the person holds. Sections with no provider yet are said to be coming."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from portal.access import Access
from portal.models import User


@dataclass(frozen=True)
class HomeCard:
    """What a card shows under its title: an app's template and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


class CardProvider(Protocol):
    def __call__(self, *, access: Access, actor: User, now: datetime) -> HomeCard: ...


@dataclass(frozen=True)
class Registration:
    action: str
    provider: CardProvider


_registry: dict[str, Registration] = {}


def register(slug: str, action: str, provider: CardProvider) -> None:
    """Offer the card of the home's section `slug` to whoever may do `action` (once per app)."""
    _registry[slug] = Registration(action, provider)


def is_live(slug: str) -> bool:
    return slug in _registry


def cards_for(*, access: Access, actor: User, now: datetime) -> dict[str, HomeCard]:
    """Each card this person may see, by section slug. The provider gets the access as granted
    for its own action, so its audit events carry that scope (a caregiver's activity page
    filters on it)."""
    return {
        slug: entry.provider(access=replace(access, action=entry.action), actor=actor, now=now)
        for slug, entry in _registry.items()
        if entry.action in access.scopes
    }
