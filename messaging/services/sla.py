"""The SLA sweep: keeps each thread's promise of a first answer (a beat task every minute).

A thread waiting for its first answer is marked at risk once `at_risk_at` passes (its owner is
warned) and breached once `first_response_due_at` passes; a breached thread goes to its pool's
lead. Everything is a row (`Thread.sla_state`, `SlaEvent`, `OwnershipChange`), so a worker that
dies mid-run loses nothing: the next run finds what is left. Each chunk is one transaction that
locks its threads with SKIP LOCKED, so two sweeps at once share the work instead of doubling it,
and `SlaEvent`'s unique (thread, kind) means no milestone is ever recorded twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from messaging import notifications
from messaging.models import OwnershipChange, SetupAlert, SlaEvent, Thread
from messaging.services.routing import may_answer
from portal import audit
from portal.access import Action
from portal.models import AuditEvent

SWEEP_CHUNK = 500
State = Thread.SlaState


def _waiting() -> QuerySet[Thread]:
    # Threads still waiting for a first answer; with the conditions below each query matches
    # one of the partial indexes thread_sla_breach_due / thread_sla_at_risk_due exactly.
    return Thread.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        status=Thread.Status.OPEN, first_responded_at__isnull=True
    )


def breach_candidates(now: datetime) -> QuerySet[Thread]:
    return (
        _waiting()
        .filter(sla_state__in=[State.ON_TRACK, State.AT_RISK], first_response_due_at__lte=now)
        .order_by("first_response_due_at")
    )


def at_risk_candidates(now: datetime) -> QuerySet[Thread]:
    return (
        _waiting()
        .filter(sla_state=State.ON_TRACK, at_risk_at__lte=now, first_response_due_at__gt=now)
        .order_by("at_risk_at")
    )


@transaction.atomic
def _breach_chunk(now: datetime) -> tuple[int, int]:
    """Mark one chunk of late threads breached and hand each to its pool's lead."""
    threads = list(breach_candidates(now).select_related("pool__lead")[:SWEEP_CHUNK])
    if not threads:
        return 0, 0
    events: list[SlaEvent] = []
    changes: list[OwnershipChange] = []
    alerts: list[SetupAlert] = []
    audits: list[AuditEvent] = []
    for thread in threads:
        events.append(
            SlaEvent(
                thread=thread, kind=SlaEvent.Kind.BREACHED, at=now, pool_id=thread.pool_id, owner_id=thread.owner_id
            )
        )
        thread.sla_state = State.BREACHED
        lead = thread.pool.lead
        if lead is not None and lead.pk == thread.owner_id:
            continue  # the lead already has it
        if lead is None or not may_answer(lead):
            alerts.append(
                SetupAlert(
                    organization_id=thread.organization_id,
                    kind=SetupAlert.Kind.NO_LEAD,
                    thread=thread,
                    pool_id=thread.pool_id,
                    category=thread.category,
                    created_at=now,
                )
            )
            continue
        changes.append(
            OwnershipChange(
                thread=thread, from_owner_id=thread.owner_id, to_owner=lead, reason=Thread.OwnerReason.BREACH, at=now
            )
        )
        events.append(SlaEvent(thread=thread, kind=SlaEvent.Kind.ESCALATED, at=now, pool_id=thread.pool_id, owner=lead))
        thread.owner, thread.owner_reason = lead, Thread.OwnerReason.BREACH
        event = audit.build(
            actor=None,
            patient=None,
            action=AuditEvent.Action.UPDATE,
            obj=thread,
            acting_as=AuditEvent.ActingAs.SYSTEM,
            scope=Action.MESSAGING,
        )
        event.patient_id = thread.patient_id
        audits.append(event)
    Thread.objects.bulk_update(threads, ["sla_state", "owner", "owner_reason"])
    SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    if changes:
        OwnershipChange.objects.bulk_create(changes)
        AuditEvent.objects.bulk_create(audits)
    if alerts:
        SetupAlert.objects.bulk_create(alerts)
    breaches = [(thread.pk, thread.owner_id) for thread in threads]
    notifications.sla_breached(breaches)
    return len(threads), len(changes)


@transaction.atomic
def _at_risk_chunk(now: datetime) -> int:
    """Mark one chunk of threads at risk; their owners are warned after commit."""
    threads = list(at_risk_candidates(now).values_list("pk", "pool_id", "owner_id")[:SWEEP_CHUNK])
    if not threads:
        return 0
    Thread.objects.filter(pk__in=[pk for pk, _pool, _owner in threads]).update(sla_state=State.AT_RISK)
    SlaEvent.objects.bulk_create(
        [
            SlaEvent(thread_id=pk, kind=SlaEvent.Kind.AT_RISK, at=now, pool_id=pool_id, owner_id=owner_id)
            for pk, pool_id, owner_id in threads
        ],
        ignore_conflicts=True,
    )
    warnings = [(pk, owner_id) for pk, _pool, owner_id in threads]
    notifications.sla_at_risk(warnings)
    return len(threads)


def sla_sweep(now: datetime | None = None) -> dict[str, int]:
    """Breach what is late (escalating to the pool lead), then warn what is at risk. Safe to run
    twice or concurrently. `now` is for tests and simulations; the beat task passes nothing."""
    counts = {"breached": 0, "escalated": 0, "at_risk": 0}
    while True:
        breached, escalated = _breach_chunk(now or timezone.now())
        counts["breached"] += breached
        counts["escalated"] += escalated
        if breached < SWEEP_CHUNK:
            break
    while True:
        at_risk = _at_risk_chunk(now or timezone.now())
        counts["at_risk"] += at_risk
        if at_risk < SWEEP_CHUNK:
            break
    return counts
