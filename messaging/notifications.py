"""Telling people something is waiting. For now each is a structured log line with ids only
(never a name or a message body); email and SMS arrive with the pages, behind these same calls.
Services call them through `transaction.on_commit`, so nobody hears of a change that rolled back."""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


def thread_started(*, thread_id: int, pool_id: int, owner_id: int | None) -> None:
    """The pool (and its named owner) have a new patient thread."""
    log.info("messaging: new thread for pool", extra={"thread_id": thread_id, "pool_id": pool_id, "owner_id": owner_id})


def reply_waiting(*, thread_id: int, patient_id: object) -> None:
    """The patient (and caregivers with the messaging scope) have a staff reply waiting."""
    log.info("messaging: reply waiting for patient", extra={"thread_id": thread_id, "patient_id": str(patient_id)})


def owner_changed(*, thread_id: int, owner_id: int | None) -> None:
    """A thread has a new owner, who should hear of it."""
    log.info("messaging: thread has a new owner", extra={"thread_id": thread_id, "owner_id": owner_id})


def sla_at_risk(warnings: Iterable[tuple[int, int | None]]) -> None:
    """Each (thread id, owner id): the first answer is due soon."""
    for thread_id, owner_id in warnings:
        log.warning("messaging: first answer due soon", extra={"thread_id": thread_id, "owner_id": owner_id})


def sla_breached(breaches: Iterable[tuple[int, int | None]]) -> None:
    """Each (thread id, owner id now, after any escalation): the first answer is late."""
    for thread_id, owner_id in breaches:
        log.warning("messaging: first answer is late", extra={"thread_id": thread_id, "owner_id": owner_id})
