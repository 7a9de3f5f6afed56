"""Sending approved prescriptions to the pharmacy: the message row is written in the approval's
transaction; a worker sends it after commit, and a beat sweep retries what failed, with growing
waits. Never twice: the row is locked (FOR UPDATE SKIP LOCKED) while the gateway sends it and
`sent_at` is stamped, with the request's "sent" step, in the same transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal import briefing_inputs
from portal.queue import queue_task
from refills import notifications
from refills.gateway import gateway
from refills.models import PharmacyMessage, RefillEvent, RefillRequest

log = logging.getLogger(__name__)

RETRY_AFTER = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_AFTER)
TASK = "refills.send_pharmacy_message"
SENDS = frozenset({RefillRequest.Status.APPROVED, RefillRequest.Status.APPROVED_WITH_CHANGES})


def message_queue(*, request: RefillRequest, payload: dict[str, object], now: datetime) -> PharmacyMessage:
    """The message for an approved request (in the approval's transaction), sent after commit."""
    message, _created = PharmacyMessage.objects.get_or_create(
        request=request,
        defaults={"pharmacy_id": request.pharmacy_id, "payload": payload, "created_at": now, "next_attempt_at": now},
    )
    transaction.on_commit(lambda: queue_task(TASK, message.pk))
    return message


def message_send(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if it is due and unsent; True when it was sent now. Safe to run twice."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            PharmacyMessage.objects.select_for_update(skip_locked=True)
            .select_related("request", "request__patient", "pharmacy")
            .filter(pk=message_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .first()
        )
        if message is None:
            return False
        try:
            with transaction.atomic():
                reference = gateway().send(message)
        except Exception as error:  # noqa: BLE001 - any failure of the other side is retried
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            wait = RETRY_AFTER[min(message.attempts, MAX_ATTEMPTS) - 1]
            message.next_attempt_at = now + wait
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            log.warning("refills: pharmacy message %s failed (attempt %s)", message.pk, message.attempts)
            return False
        message.attempts += 1
        message.sent_at = now
        message.gateway_reference = reference[:100]
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "gateway_reference", "last_error"])
        request = message.request
        if request.status in SENDS:  # a bridge supply leaves its request "needs a visit"
            request.status = RefillRequest.Status.SENT  # approved -> sent: the one move TRANSITIONS allows
            request.save(update_fields=["status"])
        RefillEvent.objects.create(
            request=request, kind=RefillEvent.Kind.SENT, at=now, note=str(message.pharmacy)[:500]
        )
        notifications.request_updated(patient=request.patient, request_id=request.pk, step="sent")
        briefing_inputs.changed(request.patient_id)
        return True


def messages_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send what the after-commit delivery missed or what failed and is due again."""
    now = now or timezone.now()
    due = list(
        PharmacyMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for message_id in due if message_send(message_id=message_id, now=now))
