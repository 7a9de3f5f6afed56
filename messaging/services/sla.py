"""The SLA sweep: keeps each thread's promise of a first answer (a beat task every minute).

A thread waiting for its first answer is marked at risk once `at_risk_at` passes (its owner is
warned) and breached once `first_response_due_at` passes; a breached thread goes to its pool's
lead. Everything is a row (`Thread.sla_state`, `SlaEvent`, `OwnershipChange`), so a worker that
dies mid-run loses nothing: the next run finds what is left. Each chunk is one transaction that
locks its threads with SKIP LOCKED, so two sweeps at once share the work instead of doubling it,
and `SlaEvent`'s unique (thread, kind) means no milestone is ever recorded twice.

Each chunk is ONE set-based statement: the locking SELECT (built by the ORM, the same query the
benchmark EXPLAINs) feeds data-modifying CTEs that update the threads and insert the events,
ownership changes, audit rows and alerts with INSERT ... SELECT. A backlog of thousands of late
threads then costs a few statements, not a Python object and a CASE branch per row
(`manage.py bench_sla_sweep`: 2,000 breached and 2,000 warned at once went from 1.3 s to well
under the 200 ms goal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from messaging import notifications
from messaging.models import SetupAlert, SlaEvent, Thread
from messaging.services.routing import MESSAGING_ROLES
from portal import audit
from portal.access import Action
from portal.models import AuditEvent

SWEEP_CHUNK = 500
State = Thread.SlaState

# What the breach statement reads of each late thread (the CTE's column names, in order).
BREACH_COLUMNS = (
    "pk",
    "pool_id",
    "owner_id",
    "patient_id",
    "organization_id",
    "category",
    "pool__lead_id",
    "pool__lead__is_active",
    "pool__lead__role",
)


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


def breach_chunk_query(now: datetime) -> QuerySet[Any]:
    """One chunk of late threads with their pool's lead, locked: what a breach chunk reads."""
    return breach_candidates(now).values_list(*BREACH_COLUMNS)[:SWEEP_CHUNK]


def at_risk_chunk_query(now: datetime) -> QuerySet[Any]:
    """One chunk of threads past their at-risk time, locked: what an at-risk chunk reads."""
    return at_risk_candidates(now).values_list("pk", "pool_id", "owner_id")[:SWEEP_CHUNK]


# `late` is the locked chunk; `plan` says, per thread, whether the lead takes it over
# (`escalate`) or is missing or unable to answer (`no_lead`); a lead who already owns the thread
# is neither. Every statement below reads `plan`, so all see the same rows.
BREACH_SQL = """
WITH late (id, pool_id, owner_id, patient_id, organization_id, category, lead_id, lead_active, lead_role) AS (
    {late}
),
plan AS (
    SELECT late.*,
        lead_id IS NOT NULL AND lead_active AND lead_role = ANY(%(roles)s) AND lead_id IS DISTINCT FROM owner_id
            AS escalate,
        lead_id IS NULL OR NOT (lead_active AND lead_role = ANY(%(roles)s)) AS no_lead
    FROM late
),
moved AS (
    UPDATE messaging_thread AS thread
    SET sla_state = %(breached)s,
        owner_id = CASE WHEN plan.escalate THEN plan.lead_id ELSE thread.owner_id END,
        owner_reason = CASE WHEN plan.escalate THEN %(reason)s ELSE thread.owner_reason END
    FROM plan WHERE thread.id = plan.id
),
events AS (
    -- The breach is the promise of the owner it was made by; the escalation names who has it now.
    INSERT INTO messaging_slaevent (thread_id, kind, at, pool_id, owner_id)
    SELECT id, kind, %(now)s, pool_id, owner FROM (
        SELECT id, %(kind_breached)s AS kind, pool_id, owner_id AS owner, 1 AS step FROM plan
        UNION ALL
        SELECT id, %(kind_escalated)s, pool_id, lead_id, 2 FROM plan WHERE escalate
    ) AS milestones
    ORDER BY id, step
    ON CONFLICT (thread_id, kind) DO NOTHING
),
changes AS (
    INSERT INTO messaging_ownershipchange (thread_id, from_owner_id, to_owner_id, reason, note, at)
    SELECT id, owner_id, lead_id, %(reason)s, '', %(now)s FROM plan WHERE escalate ORDER BY id
),
audits AS (
    INSERT INTO portal_auditevent (
        occurred_at, actor_id, acting_as, patient_id, action, object_type, object_id, scope,
        confidential, ip, user_agent, request_id
    )
    SELECT %(audited_at)s, NULL, %(acting_as)s, patient_id, %(action)s, %(object_type)s, id::text, %(scope)s,
        false, %(ip)s, %(user_agent)s, %(request_id)s
    FROM plan WHERE escalate ORDER BY id
),
alerts AS (
    INSERT INTO messaging_setupalert (organization_id, kind, thread_id, pool_id, category, created_at)
    SELECT organization_id, %(alert)s, id, pool_id, category, %(now)s FROM plan WHERE no_lead ORDER BY id
)
SELECT id, CASE WHEN escalate THEN lead_id ELSE owner_id END, patient_id, escalate FROM plan ORDER BY id
"""

AT_RISK_SQL = """
WITH warned (id, pool_id, owner_id) AS (
    {warned}
),
marked AS (
    UPDATE messaging_thread AS thread SET sla_state = %(at_risk)s FROM warned WHERE thread.id = warned.id
    RETURNING thread.id, thread.patient_id
),
events AS (
    INSERT INTO messaging_slaevent (thread_id, kind, at, pool_id, owner_id)
    SELECT id, %(at_risk)s, %(now)s, pool_id, owner_id FROM warned ORDER BY id
    ON CONFLICT (thread_id, kind) DO NOTHING
)
SELECT warned.id, warned.owner_id, marked.patient_id FROM warned JOIN marked ON marked.id = warned.id ORDER BY warned.id
"""


def _run(template: str, name: str, queryset: QuerySet[Any], params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run a chunk statement around the ORM's locking SELECT (its %s placeholders become named)."""
    select_sql, select_params = queryset.query.sql_with_params()
    names = {f"_select_{i}": value for i, value in enumerate(select_params)}
    select_sql = select_sql.replace("%%", "%%%%") % tuple(f"%({key})s" for key in names)
    with connection.cursor() as cursor:
        cursor.execute(template.replace(f"{{{name}}}", select_sql), {**params, **names})
        return cursor.fetchall()


def _audit_template() -> AuditEvent:
    # The request context (client, request id) of whoever runs the sweep, once per chunk.
    return audit.build(
        actor=None,
        patient=None,
        action=AuditEvent.Action.UPDATE,
        object_type=Thread._meta.label,
        acting_as=AuditEvent.ActingAs.SYSTEM,
        scope=Action.MESSAGING,
    )


@transaction.atomic
def _breach_chunk(now: datetime) -> tuple[int, int]:
    """Mark one chunk of late threads breached and hand each to its pool's lead."""
    template = _audit_template()
    rows = _run(
        BREACH_SQL,
        "late",
        breach_chunk_query(now),
        {
            "now": now,
            "roles": sorted(MESSAGING_ROLES),
            "breached": State.BREACHED,
            "reason": Thread.OwnerReason.BREACH,
            "kind_breached": SlaEvent.Kind.BREACHED,
            "kind_escalated": SlaEvent.Kind.ESCALATED,
            "alert": SetupAlert.Kind.NO_LEAD,
            "audited_at": timezone.now(),
            "acting_as": template.acting_as,
            "action": template.action,
            "object_type": template.object_type,
            "scope": template.scope,
            "ip": template.ip,
            "user_agent": template.user_agent,
            "request_id": template.request_id,
        },
    )
    if not rows:
        return 0, 0
    breaches = [(thread_id, owner_id, patient_id) for thread_id, owner_id, patient_id, _escalated in rows]
    notifications.sla_breached(breaches)
    return len(rows), sum(1 for *_ids, escalated in rows if escalated)


@transaction.atomic
def _at_risk_chunk(now: datetime) -> int:
    """Mark one chunk of threads at risk; their owners are warned after commit."""
    rows = _run(AT_RISK_SQL, "warned", at_risk_chunk_query(now), {"now": now, "at_risk": State.AT_RISK})
    if not rows:
        return 0
    warnings = [(thread_id, owner_id, patient_id) for thread_id, owner_id, patient_id in rows]
    notifications.sla_at_risk(warnings)
    return len(rows)


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
