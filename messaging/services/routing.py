"""Where a new thread goes and when its first answer is due: category -> pool -> named owner,
and the SLA policy on the organization's business calendar -> due and at-risk times.

Nothing here fails: missing configuration falls back (the fallback pool, the built-in answer
time, assumed weekday hours) and says so with a `SetupAlert` and a warning in the log.

A thread the safety screen flagged (red-flag words the patient sent anyway) is routed for its
danger, not its category: to the category's pool only if that is nurse triage or a physician
inbox, else to the organization's nurse triage, else its physician inbox; its owner is always in
a role whose protocol handles urgent threads (messaging.protocols: nurse or physician), never a
medical assistant or the front desk. After hours it goes to the on-call pool when there is one,
whose promise runs on the wall clock (the on-call team works through the night), not the
business calendar.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from messaging import protocols
from messaging.calendar import (
    CalendarNeverOpens,
    ClinicCalendar,
    add_business_minutes,
    business_minutes_between,
    is_open,
)
from messaging.models import Pool, RoutingRule, SetupAlert, SlaPolicy, Thread
from messaging.selectors import calendar as calendar_selectors
from portal.access import Action, roles_allowing
from portal.models import Organization, Patient, StaffMember

log = logging.getLogger(__name__)

Alert = SetupAlert.Kind
OwnerReason = Thread.OwnerReason

# The answer time when an organization has no policy at all for an urgency, in business minutes:
# urgent within 2 business hours, anything else within one 8-hour business day.
BUILT_IN_MINUTES: dict[str, int] = {Thread.Urgency.URGENT: 120, Thread.Urgency.NORMAL: 480}
BUILT_IN_AT_RISK_FRACTION = Decimal("0.75")
FALLBACK_POOL_NAME = "Fallback"

MESSAGING_ROLES = frozenset(roles_allowing(Action.MESSAGING))
# Who may own a safety-flagged thread: the roles whose protocol may close an urgent one.
URGENT_ROLES = frozenset(
    role for role, protocol in protocols.PROTOCOLS.items() if protocol.urgent_outcomes and role in MESSAGING_ROLES
)
# The pools a safety-flagged thread may go to in opening hours, first found wins.
URGENT_POOL_ORDER = (Pool.Kind.NURSE_TRIAGE, Pool.Kind.PHYSICIAN_INBOX)


def may_answer(staff: StaffMember, *, safety_flagged: bool = False) -> bool:
    """Whether a staff member can be named as a thread's owner: active, in a role the access
    policy lets work with patients' messages (and, for a safety-flagged thread, whose protocol
    handles urgent ones)."""
    return staff.is_active and staff.role in (URGENT_ROLES if safety_flagged else MESSAGING_ROLES)


@dataclass
class Plan:
    """Where a new thread goes, who answers, by when, and what configuration was missing."""

    pool: Pool
    owner: StaffMember | None
    owner_reason: str
    first_response_due_at: datetime
    at_risk_at: datetime
    alerts: list[str] = field(default_factory=list)
    # The clinic is closed and the on-call pool has the thread (its promise is on the wall clock).
    on_call: bool = False


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


def urgent_pool_for(
    organization: Organization, category: str, alerts: list[str], *, after_hours: bool
) -> tuple[Pool, bool]:
    """(pool, on call) for a safety-flagged thread: after hours the on-call pool if there is one;
    else the category's pool if it is clinical, else nurse triage, else the physician inbox. With
    none of them (an alert) the category's pool, whose clinical members alone may own it."""
    if after_hours:
        on_call = Pool.objects.select_related("lead").filter(organization=organization, kind=Pool.Kind.ON_CALL)
        found = on_call.order_by("pk").first()
        if found is not None:
            return found, True
    routed = pool_for(organization, category, [])
    if routed.kind in URGENT_POOL_ORDER:
        return routed, False
    clinical = Pool.objects.select_related("lead").filter(organization=organization, kind__in=URGENT_POOL_ORDER)
    found = min(clinical.order_by("pk"), key=lambda pool: URGENT_POOL_ORDER.index(pool.kind), default=None)
    if found is not None:
        return found, False
    alerts.append(Alert.NO_TRIAGE)
    return pool_for(organization, category, alerts), False


def owner_for(
    pool: Pool, patient: Patient, alerts: list[str], *, safety_flagged: bool = False
) -> tuple[StaffMember | None, str]:
    """Who answers: in a physician inbox the patient's primary care provider if they are in the
    pool; otherwise the member with the fewest threads waiting for them; a pool with nobody in
    it falls to its lead. Ties go to the longest-serving member (lowest id). A safety-flagged
    thread only goes to someone whose protocol handles urgent threads."""
    members = pool.members.filter(is_active=True, role__in=URGENT_ROLES if safety_flagged else MESSAGING_ROLES)
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
    if pool.lead is not None and may_answer(pool.lead, safety_flagged=safety_flagged):
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


def _calendar(organization: Organization, now: datetime, alerts: list[str]) -> ClinicCalendar:
    calendar = calendar_selectors.clinic_calendar(organization)
    try:
        if calendar is None:
            raise CalendarNeverOpens
        add_business_minutes(calendar, now, 0)
    except CalendarNeverOpens:  # none, or one closed for a year (every day a holiday)
        alerts.append(Alert.NO_CALENDAR)
        return calendar_selectors.assumed_calendar(organization)
    return calendar


def plan_thread(
    *,
    organization: Organization,
    patient: Patient,
    category: str,
    urgency: str,
    now: datetime,
    safety_flagged: bool = False,
    due_by: datetime | None = None,
) -> Plan:
    """Route a new thread and compute its promise (reads only; six to nine queries). A
    safety-flagged thread is urgent whatever `urgency` says, and is routed as the module says.

    `due_by` caps the promise for a thread about something with a time of its own (a request
    about a visit must be answered before the visit): the answer is then due by the policy's time
    or `due_by`, whichever comes first, and the at-risk warning keeps its fraction of the shorter
    window. NoTimeToAnswer when no business time is left before `due_by`."""
    alerts: list[str] = []
    calendar = _calendar(organization, now, alerts)
    on_call = False
    if safety_flagged:
        urgency = Thread.Urgency.URGENT
        pool, on_call = urgent_pool_for(organization, category, alerts, after_hours=not is_open(calendar, now))
    else:
        pool = pool_for(organization, category, alerts)
    owner, reason = owner_for(pool, patient, alerts, safety_flagged=safety_flagged)
    minutes, fraction = policy_for(organization, category, urgency, alerts)
    if on_call:
        due, at_risk = now + timedelta(minutes=minutes), now + timedelta(minutes=float(minutes * fraction))
    else:
        due = add_business_minutes(calendar, now, minutes)
        at_risk_minutes = float(minutes * fraction)
        if due_by is not None and due > due_by:
            window = business_minutes_between(calendar, now, due_by)
            if window <= 0:
                raise NoTimeToAnswer
            due, at_risk_minutes = due_by, window * float(fraction)
        at_risk = add_business_minutes(calendar, now, at_risk_minutes)
    return Plan(
        pool=pool,
        owner=owner,
        owner_reason=reason,
        first_response_due_at=due,
        at_risk_at=at_risk,
        alerts=alerts,
        on_call=on_call,
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
