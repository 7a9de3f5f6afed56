"""Refill request metrics for the clinic, beside messaging's response-times page: how long
requests took from asking to a decision (median and 90th percentile, wall-clock hours), the share
finished under protocol without a physician, and the share denied and why.

Requests count by when they were asked for (the period before `now`). "Finished": decided
(approved, with or without changes, sent, denied or needing a visit); a cancelled or undecided
request is not. "Under protocol without a physician": finished by someone with no physician role
at the clinic, and never passed to the prescriber. No patient data leaves here (counts and times
only), so reading them is not audited. Two queries, however many requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from portal.models import Organization, StaffRole
from refills.models import RefillEvent, RefillRequest

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
FINISHED = [
    RefillRequest.Status.APPROVED,
    RefillRequest.Status.APPROVED_WITH_CHANGES,
    RefillRequest.Status.SENT,
    RefillRequest.Status.DENIED,
    RefillRequest.Status.NEEDS_VISIT,
]

TOTALS_SQL = """
WITH period AS (
    SELECT r.id, r.status, r.created_at, r.decided_at,
           r.status = ANY(%(finished)s) AS finished,
           EXTRACT(EPOCH FROM (r.decided_at - r.created_at)) / 3600.0 AS hours,
           EXISTS (
               SELECT 1 FROM portal_staffmember s
               WHERE s.user_id = r.decided_by_id AND s.organization_id = r.organization_id
                 AND s.role = %(physician)s
           ) AS by_physician,
           EXISTS (
               SELECT 1 FROM refills_refillevent e WHERE e.request_id = r.id AND e.kind = %(to_prescriber)s
           ) AS to_prescriber
    FROM refills_refillrequest r
    WHERE r.organization_id = %(organization)s AND r.created_at >= %(since)s AND r.created_at < %(now)s
)
SELECT
    count(*),
    count(*) FILTER (WHERE finished),
    count(*) FILTER (WHERE finished AND NOT by_physician AND NOT to_prescriber),
    count(*) FILTER (WHERE status = %(denied)s),
    count(*) FILTER (WHERE status = %(cancelled)s),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE finished),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) FILTER (WHERE finished)
FROM period
"""

REASONS_SQL = """
SELECT denial_reason, count(*)
FROM refills_refillrequest
WHERE organization_id = %(organization)s AND created_at >= %(since)s AND created_at < %(now)s
  AND status = %(denied)s
GROUP BY denial_reason
"""


@dataclass(frozen=True)
class Denials:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class RefillMetrics:
    organization: Organization
    days: int
    since: datetime
    now: datetime
    requests: int = 0
    finished: int = 0
    by_protocol: int = 0
    denied: int = 0
    cancelled: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    reasons: list[Denials] = field(default_factory=list)

    @property
    def by_protocol_percent(self) -> float | None:
        return 100 * self.by_protocol / self.finished if self.finished else None

    @property
    def denied_percent(self) -> float | None:
        return 100 * self.denied / self.finished if self.finished else None


def refill_metrics(*, organization: Organization, days: int, now: datetime | None = None) -> RefillMetrics:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    params: dict[str, Any] = {
        "organization": organization.pk,
        "since": since,
        "now": now,
        "finished": FINISHED,
        "physician": StaffRole.PHYSICIAN,
        "to_prescriber": RefillEvent.Kind.TO_PRESCRIBER,
        "denied": RefillRequest.Status.DENIED,
        "cancelled": RefillRequest.Status.CANCELLED,
    }
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL, params)
        requests, finished, by_protocol, denied, cancelled, median, p90 = cursor.fetchone()
        cursor.execute(REASONS_SQL, params)
        counts = dict(cursor.fetchall())
    reasons = [
        Denials(reason, str(label), counts[reason])
        for reason, label in RefillRequest.DenialReason.choices
        if counts.get(reason)
    ]
    return RefillMetrics(
        organization=organization,
        days=days,
        since=since,
        now=now,
        requests=requests,
        finished=finished,
        by_protocol=by_protocol,
        denied=denied,
        cancelled=cancelled,
        median_hours=float(median) if median is not None else None,
        p90_hours=float(p90) if p90 is not None else None,
        reasons=sorted(reasons, key=lambda row: (-row.count, row.reason)),
    )
