"""The demo builders other apps offer `manage.py demo_data`. Each app registers its builder in its
AppConfig.ready, so the portal's command composes the demo clinic without importing any app above it
(as the home page's cards do through portal/home_cards.py).

The command builds the people (organizations, staff, patients, proxies) and then calls each
registered builder in its `order`, lowest first, all in one transaction: a builder may rely on what a
lower order wrote (messaging's conversations run after the records import, scheduling after both).

A builder is registered by its dotted path and imported only when the demo is built, so a server
that never builds the demo never loads the demo stories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, cast

from django.utils.module_loading import import_string

from portal.models import Organization, Patient, StaffMember


@dataclass(frozen=True)
class DemoClinic:
    """The people the portal's part of the demo made, for the apps to build their stories on."""

    home: Organization
    staff: dict[str, StaffMember]  # by email
    patients: dict[str, Patient]  # by MRN
    today: date


@dataclass
class DemoChanges:
    """Rows a builder created and updated, by model name (the command prints the sum)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)


class DemoBuilder(Protocol):
    def __call__(self, clinic: DemoClinic) -> DemoChanges: ...


@dataclass(frozen=True)
class Registration:
    order: int
    path: str


_registry: dict[str, Registration] = {}


def register(app: str, path: str, *, order: int) -> None:
    """Build `app`'s demo with the function at dotted `path`, after every builder of a lower `order`."""
    _registry[app] = Registration(order, path)


def builders() -> list[DemoBuilder]:
    """The registered builders, in the order they run (ties by app name, so the order is defined)."""
    entries = sorted(_registry.items(), key=lambda item: (item[1].order, item[0]))
    return [cast(DemoBuilder, import_string(entry.path)) for _app, entry in entries]
