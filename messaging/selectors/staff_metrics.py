"""SLA compliance metrics: how well an organization keeps its promise of a first answer, per pool
and per named staff member, over a period (threads by the time they were started).

Read-only selectors; no patient data leaves here (counts and durations per pool and per staff
member, never a patient or a message), so reading them is not audited.

What each number means (one row = a set of threads):
- threads: started in the period; answered: given a first staff answer (internal notes do not count).
- on time: answered no later than `first_response_due_at`. The on-time share is of the threads
  whose promise is *decided*: answered, or still unanswered when the answer fell due (whether
  the thread is still open or was closed unanswered after that). A thread not yet due, or closed
  by the patient before it was due, has neither kept nor broken its promise and is left out.
- first response: from the patient's first message to the first staff answer, as the median and
  the 90th percentile (PostgreSQL `percentile_cont`), in business minutes on the organization's
  calendar (the time the SLA counts) and in wall-clock hours (the time the patient waited).
- breaches, escalations: threads with an `SlaEvent` of that kind (each is recorded once per
  thread); reached a physician: some owner of the thread (routing included) was a physician.
- waiting: still waiting for a first answer; late now: waiting and past its due time.

Per pool, a thread counts in the pool it is in now. Per staff member, a thread counts for the
person who gave its FIRST ANSWER (the author of the first staff reply: who actually answered,
whoever owned it at the time); a thread not answered yet counts for its current owner (who holds
the promise now), and under "nobody named" if it has none. So every column of a person's row is
about the same threads: a lead's row shows the late threads they took over and answered.

Constant cost: the calendar (two queries), one aggregate query with GROUPING SETS for the pool
rows, the staff rows and the total together, and one query each for the pools' and the staff
members' names: five queries, however many threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from django.db import connection
from django.utils import timezone

from messaging.calendar import CalendarNeverOpens, ClinicCalendar, business_intervals
from messaging.models import Pool, SlaEvent, Thread
from messaging.selectors import calendar as calendar_selectors
from portal.models import Organization, StaffMember, StaffRole, User

PERIODS = (7, 30, 90)  # days the page offers
DEFAULT_PERIOD = 30
# The share of first answers on time the clinic aims for: the chart's target line.
ON_TIME_TARGET = 90

COLUMNS = (
    "threads",
    "answered",
    "decided",
    "on_time",
    "breaches",
    "escalations",
    "reached_physician",
    "waiting",
    "late_now",
    "median_business_minutes",
    "p90_business_minutes",
    "median_hours",
    "p90_hours",
)

# The business hours of the period, as one multirange; each answered thread's business minutes are
# the length of its wait intersected with them. GROUPING(pool_id, staff_id) says which grouping
# set a row belongs to: 1 = per pool, 2 = per staff member, 3 = the total.
METRICS_SQL = """
WITH business AS (
    SELECT range_agg(tstzrange(opens, closes)) AS hours
    FROM unnest(%(opens)s::timestamptz[], %(closes)s::timestamptz[]) AS period (opens, closes)
),
period_threads AS (
    SELECT
        t.pool_id,
        COALESCE(first_reply.author_staff_id, t.owner_id) AS staff_id,
        t.first_responded_at,
        t.first_response_due_at,
        t.first_responded_at IS NOT NULL
            OR t.first_response_due_at <= LEAST(%(now)s, COALESCE(t.closed_at, %(now)s)) AS decided,
        t.status = %(open)s AND t.first_responded_at IS NULL AS waiting,
        EXISTS (SELECT 1 FROM messaging_slaevent e WHERE e.thread_id = t.id AND e.kind = %(breached)s) AS breached,
        EXISTS (SELECT 1 FROM messaging_slaevent e WHERE e.thread_id = t.id AND e.kind = %(escalated)s) AS escalated,
        EXISTS (
            SELECT 1 FROM messaging_ownershipchange c JOIN portal_staffmember s ON s.id = c.to_owner_id
            WHERE c.thread_id = t.id AND s.role = %(physician)s
        ) AS reached_physician,
        CASE WHEN t.first_responded_at IS NOT NULL THEN (
            SELECT COALESCE(EXTRACT(EPOCH FROM sum(upper(r) - lower(r))), 0) / 60
            FROM business, unnest(
                business.hours * tstzmultirange(tstzrange(t.created_at, GREATEST(t.created_at, t.first_responded_at)))
            ) AS r
        ) END AS business_minutes,
        EXTRACT(EPOCH FROM t.first_responded_at - t.created_at) / 3600 AS hours
    FROM messaging_thread t
    LEFT JOIN LATERAL (
        SELECT m.author_staff_id FROM messaging_message m
        WHERE m.thread_id = t.id AND m.acting_as = %(staff)s AND NOT m.is_internal_note
        ORDER BY m.created_at, m.id
        LIMIT 1
    ) AS first_reply ON t.first_responded_at IS NOT NULL
    WHERE t.organization_id = %(organization)s AND t.created_at >= %(since)s AND t.created_at < %(now)s
)
SELECT
    GROUPING(pool_id, staff_id) AS grouping_set,
    pool_id,
    staff_id,
    count(*),
    count(first_responded_at),
    count(*) FILTER (WHERE decided),
    count(*) FILTER (WHERE first_responded_at <= first_response_due_at),
    count(*) FILTER (WHERE breached),
    count(*) FILTER (WHERE escalated),
    count(*) FILTER (WHERE reached_physician),
    count(*) FILTER (WHERE waiting),
    count(*) FILTER (WHERE waiting AND first_response_due_at <= %(now)s),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY business_minutes),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY business_minutes),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)
FROM period_threads
GROUP BY GROUPING SETS ((pool_id), (staff_id), ())
"""
BY_POOL, BY_STAFF, TOTAL = 1, 2, 3


@dataclass(frozen=True)
class Compliance:
    """One row of the metrics: a pool, a staff member (`key` None: nobody named) or the total."""

    key: int | None
    name: str
    threads: int = 0
    answered: int = 0
    decided: int = 0
    on_time: int = 0
    breaches: int = 0
    escalations: int = 0
    reached_physician: int = 0
    waiting: int = 0
    late_now: int = 0
    median_business_minutes: float | None = None
    p90_business_minutes: float | None = None
    median_hours: float | None = None
    p90_hours: float | None = None

    @property
    def on_time_percent(self) -> float | None:
        """Share of the decided promises kept, 0-100; None while none is decided."""
        return 100 * self.on_time / self.decided if self.decided else None

    @property
    def physician_percent(self) -> float | None:
        return 100 * self.reached_physician / self.threads if self.threads else None


@dataclass(frozen=True)
class SlaMetrics:
    organization: Organization
    days: int
    since: datetime
    now: datetime
    total: Compliance
    pools: list[Compliance]
    staff: list[Compliance]


def metrics_organizations(user: User) -> list[Organization]:
    """The organizations whose metrics `user` may see: those they hold an active staff role at
    (administrators included; the metrics hold no patient data)."""
    return list(Organization.objects.filter(staff__user=user, staff__is_active=True).distinct().order_by("name", "pk"))


def _business_hours(organization: Organization, since: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    calendar = calendar_selectors.clinic_calendar(organization)
    candidates: list[ClinicCalendar | None] = [calendar, calendar_selectors.assumed_calendar(organization)]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return list(takewhile(lambda period: period[0] < now, business_intervals(candidate, since)))
        except CalendarNeverOpens:  # closed for a year: routing assumed weekday hours, so do we
            continue
    return []


def _rows(organization: Organization, since: datetime, now: datetime) -> list[tuple[Any, ...]]:
    hours = _business_hours(organization, since, now)
    params: dict[str, Any] = {
        "opens": [opens for opens, _closes in hours],
        "closes": [closes for _opens, closes in hours],
        "organization": organization.pk,
        "since": since,
        "now": now,
        "open": Thread.Status.OPEN,
        "breached": SlaEvent.Kind.BREACHED,
        "escalated": SlaEvent.Kind.ESCALATED,
        "physician": StaffRole.PHYSICIAN,
        "staff": "staff",
    }
    with connection.cursor() as cursor:
        cursor.execute(METRICS_SQL, params)
        return cursor.fetchall()


def _compliance(key: int | None, name: str, values: tuple[Any, ...] | None) -> Compliance:
    if values is None:
        return Compliance(key=key, name=name)
    return Compliance(key, name, **dict(zip(COLUMNS, values, strict=True)))


def sla_compliance(*, organization: Organization, days: int, now: datetime | None = None) -> SlaMetrics:
    """The organization's SLA compliance for threads started in the `days` before `now`: every pool
    (those without threads too), every staff member with threads, and the total."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    by_set: dict[int, dict[int | None, tuple[Any, ...]]] = {BY_POOL: {}, BY_STAFF: {}, TOTAL: {}}
    for grouping_set, pool_id, staff_id, *values in _rows(organization, since, now):
        by_set[grouping_set][pool_id if grouping_set == BY_POOL else staff_id] = tuple(values)
    pools = [
        _compliance(pool.pk, pool.name, by_set[BY_POOL].get(pool.pk))
        for pool in Pool.objects.filter(organization=organization).order_by("name", "pk")
    ]
    members = StaffMember.objects.select_related("user").filter(pk__in=[k for k in by_set[BY_STAFF] if k is not None])
    staff = sorted(
        (_compliance(member.pk, member.signature, by_set[BY_STAFF][member.pk]) for member in members),
        key=lambda row: (row.name, row.key),
    )
    if None in by_set[BY_STAFF]:
        staff.append(_compliance(None, "", by_set[BY_STAFF][None]))
    total = _compliance(None, "", by_set[TOTAL].get(None))
    return SlaMetrics(organization=organization, days=days, since=since, now=now, total=total, pools=pools, staff=staff)
