"""Where a new thread goes and when its first answer is due: category -> pool -> named owner,
and the SLA policy on the organization's business calendar -> due and at-risk times.

Nothing here fails: missing configuration falls back (the fallback pool, the built-in answer
time, assumed weekday hours) and says so with a `SetupAlert` and a warning in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from messaging import selectors
from messaging.calendar import CalendarNeverOpens, add_business_minutes, business_minutes_between
from messaging.models import Pool, RoutingRule, SetupAlert, SlaPolicy, Thread
from portal.access import ROLE_ACTIONS, Action
from portal.models import Organization, Patient, StaffMember

log = logging.getLogger(__name__)

Alert = SetupAlert.Kind
OwnerReason = Thread.OwnerReason

# The answer time when an organization has no policy at all for an urgency, in business minutes:
# urgent within 2 business hours, anything else within one 8-hour business day.
BUILT_IN_MINUTES: dict[str, int] = {Thread.Urgency.URGENT: 120, Thread.Urgency.NORMAL: 480}
BUILT_IN_AT_RISK_FRACTION = Decimal("0.75")
FALLBACK_POOL_NAME = "Fallback"

MESSAGING_ROLES = frozenset(role for role, actions in ROLE_ACTIONS.items() if Action.MESSAGING in actions)


def may_answer(staff: StaffMember) -> bool:
    """Whether a staff member can be named as a thread's owner: active, in a role the access
    policy lets work with patients' messages."""
    return staff.is_active and staff.role in MESSAGING_ROLES


@dataclass
class Plan:
    """Where a new thread goes, who answers, by when, and what configuration was missing."""

    pool: Pool
    owner: StaffMember | None
    owner_reason: str
    first_response_due_at: datetime
    at_risk_at: datetime
    alerts: list[str] = field(default_factory=list)


def pool_for(organization: Organization, category: str, alerts: list[str]) -> Pool:
    """The pool the organization's rule names for `category`, else its fallback pool (made on
    first need, so there always is one)."""
    rule = RoutingRule.objects.select_related("pool__lead").filter(organization=organization, category=category).first()
    if rule is not None:
        return rule.pool
    alerts.append(Alert.UNROUTED)
    pool, _created = Pool.objects.select_related("lead").get_or_create(
        organization=organization, kind=Pool.Kind.FALLBACK, defaults={"name": FALLBACK_POOL_NAME}
    )
    return pool


def owner_for(pool: Pool, patient: Patient, alerts: list[str]) -> tuple[StaffMember | None, str]:
    """Who answers: in a physician inbox the patient's primary care provider if they are in the
    pool; otherwise the member with the fewest threads waiting for them; a pool with nobody in
    it falls to its lead. Ties go to the longest-serving member (lowest id)."""
    members = pool.members.filter(is_active=True, role__in=MESSAGING_ROLES)
    if pool.kind == Pool.Kind.PHYSICIAN_INBOX:
        primary = members.filter(care_teams__patient=patient, care_teams__is_primary=True).first()
        if primary is not None:
            return primary, OwnerReason.PRIMARY_CARE
    # Each member's waiting threads counted by index (owner, status, ...), not by joining every
    # thread they ever owned.
    waiting = (
        Thread.objects.filter(owner=OuterRef("pk"), status=Thread.Status.OPEN)
        .order_by()
        .values("owner")
        .annotate(count=Count("pk"))
        .values("count")
    )
    least_busy = members.annotate(waiting=Coalesce(Subquery(waiting), 0)).order_by("waiting", "pk").first()
    if least_busy is not None:
        return least_busy, OwnerReason.POOL
    alerts.append(Alert.UNSTAFFED_POOL)
    if pool.lead is not None and may_answer(pool.lead):
        return pool.lead, OwnerReason.POOL_LEAD
    alerts.append(Alert.NO_OWNER)
    return None, ""


def policy_for(organization: Organization, category: str, urgency: str, alerts: list[str]) -> tuple[int, Decimal]:
    """(business minutes, at-risk fraction): the category's own policy, else the organization's
    default for the urgency, else the built-in time."""
    policy = (
        SlaPolicy.objects.filter(organization=organization, urgency=urgency)
        .filter(Q(category=category) | Q(category__isnull=True))
        .order_by(F("category").asc(nulls_last=True))
        .first()
    )
    if policy is not None:
        return policy.first_response_minutes, policy.at_risk_fraction
    alerts.append(Alert.NO_SLA_POLICY)
    return BUILT_IN_MINUTES[urgency], BUILT_IN_AT_RISK_FRACTION


class NoTimeToAnswer(Exception):
    """A thread's answer would have to come before `due_by`, and the clinic is not open at all
    between now and then: no promise can be made, so none is (the caller tells the patient to
    call instead)."""


def plan_thread(
    *,
    organization: Organization,
    patient: Patient,
    category: str,
    urgency: str,
    now: datetime,
    due_by: datetime | None = None,
) -> Plan:
    """Route a new thread and compute its promise (reads only; six or seven queries).

    `due_by` caps the promise for a thread about something with a time of its own (a request
    about a visit must be answered before the visit): the answer is then due by the policy's time
    or `due_by`, whichever comes first, and the at-risk warning keeps its fraction of the shorter
    window. NoTimeToAnswer when no business time is left before `due_by`."""
    alerts: list[str] = []
    pool = pool_for(organization, category, alerts)
    owner, reason = owner_for(pool, patient, alerts)
    minutes, fraction = policy_for(organization, category, urgency, alerts)
    calendar = selectors.clinic_calendar(organization)
    try:
        if calendar is None:
            raise CalendarNeverOpens
        due = add_business_minutes(calendar, now, minutes)
    except CalendarNeverOpens:  # none, or one closed for a year (every day a holiday)
        alerts.append(Alert.NO_CALENDAR)
        calendar = selectors.assumed_calendar(organization)
        due = add_business_minutes(calendar, now, minutes)
    at_risk_minutes = float(minutes * fraction)
    if due_by is not None and due > due_by:
        window = business_minutes_between(calendar, now, due_by)
        if window <= 0:
            raise NoTimeToAnswer
        due, at_risk_minutes = due_by, window * float(fraction)
    return Plan(
        pool=pool,
        owner=owner,
        owner_reason=reason,
        first_response_due_at=due,
        at_risk_at=add_business_minutes(calendar, now, at_risk_minutes),
        alerts=alerts,
    )


def raise_alerts(thread: Thread, kinds: list[str]) -> None:
    """Record what configuration was missing for this thread, and say so in the log (ids only)."""
    if not kinds:
        return
    SetupAlert.objects.bulk_create(
        SetupAlert(
            organization_id=thread.organization_id,
            kind=kind,
            thread=thread,
            pool_id=thread.pool_id,
            category=thread.category,
            created_at=thread.created_at,
        )
        for kind in kinds
    )
    for kind in kinds:
        log.warning(
            "messaging: setup missing, fell back",
            extra={
                "alert": kind,
                "organization_id": thread.organization_id,
                "thread_id": thread.pk,
                "pool_id": thread.pool_id,
                "category": thread.category,
            },
        )
