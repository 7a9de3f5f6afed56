"""Handing rows that promise a message (reminders, waitlist offers) to the portal's outbox once
each, and never losing one. (The outbox sends them: `send` enqueues with `send_now`, inside the
row's transaction, so a send that dies rolls the row back with it.)

Each row is sent in its own transaction that holds the row's lock (FOR UPDATE SKIP LOCKED) while
it sends and stamps `sent_at`: two sweeps at once never pick the same row, a row with `sent_at`
is never picked again, and a worker that dies mid-send leaves its row unstamped (its transaction
rolls back when its connection closes), so the next sweep sends it. A message the mail or SMS
service refuses is the outbox's to retry (its notice keeps the attempts); a row that could not be
handed over at all is counted here (`attempts`, the error's class name) and retried by later
sweeps up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from django.db import models, transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


RowT = TypeVar("RowT", bound=models.Model)


def deliver(pending: Callable[[], models.QuerySet[RowT]], send: Callable[[RowT], str]) -> Counter[str]:
    """Send every row `pending()` finds, one transaction each; `send` returns what happened
    ("sent", "skipped", ...), stamping the row itself. Returns the count of each outcome."""
    outcomes: Counter[str] = Counter()
    tried: list[object] = []
    while True:
        with transaction.atomic():
            row = (
                pending()
                .filter(attempts__lt=MAX_ATTEMPTS)
                .exclude(pk__in=tried)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if row is None:
                return outcomes
            tried.append(row.pk)
            try:
                with transaction.atomic():  # a savepoint: a failed send leaves the row to count it
                    outcomes[send(row)] += 1
            except Exception as error:  # noqa: BLE001 - any failure of one send must not stop the others
                row.attempts += 1  # type: ignore[attr-defined]
                row.last_error = type(error).__name__[:200]  # type: ignore[attr-defined]
                row.save(update_fields=["attempts", "last_error"])
                log.warning("scheduling: send failed", extra={"row": row._meta.label, "row_id": row.pk})
                outcomes["failed"] += 1
