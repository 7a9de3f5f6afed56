"""The one call an app makes when something the patient's briefing reads has changed.

The briefing lives in summaries, the top layer, which no app may import (tests/architecture). So an
app that changed a briefing input (an import, a released result, a reading, a visit booked or
moved, a reply) calls `changed(patient_id)` here, inside or outside its transaction; summaries
registers its listener in its AppConfig.ready. The listener runs after the commit (nothing is
marked stale for a write that rolls back), once per call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from django.db import transaction

PatientId = UUID | str
Listener = Callable[[PatientId], Any]  # its result is ignored

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Run `listener(patient_id)` after the commit of every change (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def changed(patient_id: PatientId) -> None:
    """The inputs of this patient's briefing moved: tell the listeners after the commit."""
    changed_many([patient_id])


def changed_many(patient_ids: Iterable[PatientId]) -> None:
    """The same for every patient of a batch (an import, a sweep): one after-commit hook."""
    ids = list(dict.fromkeys(str(patient_id) for patient_id in patient_ids))
    if not ids:
        return

    def notify() -> None:
        for patient_id in ids:
            for listener in _listeners:
                listener(patient_id)

    transaction.on_commit(notify)
