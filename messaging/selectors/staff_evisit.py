"""Reads for e-visit billing: what happened on threads (in a fixed number of queries however many
threads), the staff panel of one thread, and the report of billable threads.

Both pages show billing facts about a patient's conversation, so both are audited: the panel as
one view per person and thread in any 10 minutes (the panel refreshes itself as time is
recorded, and a row every 30 seconds would bury the patient's activity history), the report as
one event per conversation listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.evisit_rules import (
    PERIOD,
    Entry,
    EvisitSuggestion,
    ThreadFacts,
    codes_up_to,
    duration,
    suggest,
)
from messaging.models import EvisitClaim, Message, Thread, TimeEntry
from portal import audit, dates
from portal.access import (
    Access,
    Action,
    Qualification,
    access_patient,
    patients_for,
    qualification,
    sees_evisit_report,
)
from portal.models import AuditEvent, StaffMember, StaffRole, User
from records.selectors.visits import visit_times

PANEL_OBJECT = "messaging.EvisitTime"
REPORT_OBJECT = "messaging.EvisitReport"
PANEL_AUDIT_WINDOW = timedelta(minutes=10)
REPORT_LIMIT = 500


def staff_thread_access(user: User, thread_id: int) -> Access:
    """The access policy's answer for staff working on a thread; 404 for anyone else (a patient
    or caregiver of the very thread too: these pages are the clinic's)."""
    patient_id = Thread.objects.filter(pk=thread_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    access = access_patient(user, patient_id, Action.MESSAGING)
    access.require(Action.MESSAGING, staff_side=True)
    return access


def staff_thread(access: Access, thread_id: int) -> Thread:
    thread = Thread.objects.filter(pk=thread_id, patient=access.patient).first()
    if thread is None:
        raise Http404
    return thread


# -- what happened on threads -------------------------------------------------------------------


def booked_visits(threads: Sequence[Thread]) -> dict[int, datetime]:
    """When a visit booked from each thread happens. The hook for scheduling: until appointments
    exist, a thread closed as "needs a visit" counts as a visit that follows when it was closed.
    Scheduling should answer here with the start of an appointment booked from the thread."""
    return {
        thread.pk: thread.closed_at
        for thread in threads
        if thread.outcome == Thread.Outcome.NEEDS_VISIT and thread.closed_at is not None
    }


def load_facts(threads: Sequence[Thread]) -> dict[int, ThreadFacts]:
    """Everything the rules need about `threads`, in six queries whatever their number."""
    if not threads:
        return {}
    ids = [thread.pk for thread in threads]
    rows = list(
        TimeEntry.objects.filter(thread_id__in=ids)
        .order_by("at", "pk")
        .values_list("thread_id", "staff_id", "seconds", "at", "source")
    )
    replies = list(
        Message.objects.filter(thread_id__in=ids, acting_as=Message.ActingAs.STAFF, is_internal_note=False)
        .order_by()  # the model's ordering would join the DISTINCT
        .values_list("thread_id", "author_staff_id")
        .distinct()
    )
    staff = StaffMember.objects.select_related("user").in_bulk({row[1] for row in rows} | {r[1] for r in replies})
    entries: dict[int, list[Entry]] = defaultdict(list)
    for thread_id, staff_id, seconds, at, source in rows:
        entries[thread_id].append(Entry(staff[staff_id], seconds, at, source == TimeEntry.Source.ACTIVE))
    repliers: dict[int, list[StaffMember]] = defaultdict(list)
    for thread_id, staff_id in replies:
        repliers[thread_id].append(staff[staff_id])
    firsts = {
        thread_id: (created_at, acting_as)
        for thread_id, created_at, acting_as in Message.objects.filter(thread_id__in=ids)
        .order_by("thread_id", "created_at", "pk")
        .distinct("thread_id")
        .values_list("thread_id", "created_at", "acting_as")
    }
    earliest = min((first[0] for first in firsts.values()), default=timezone.now()) - PERIOD
    visits: dict[tuple[object, int], list[datetime]] = defaultdict(list)
    for patient_id, organization_id, start in visit_times(
        patient_ids={thread.patient_id for thread in threads},
        organization_ids={thread.organization_id for thread in threads},
        since=earliest,
    ):
        visits[(patient_id, organization_id)].append(start)
    claims: dict[int, list[EvisitClaim]] = defaultdict(list)
    for claim in EvisitClaim.objects.filter(thread_id__in=ids).select_related("clinician__user"):
        claims[claim.thread_id].append(claim)
    booked = booked_visits(threads)
    facts = {}
    for thread in threads:
        first = firsts.get(thread.pk)
        facts[thread.pk] = ThreadFacts(
            thread=thread,
            first_message_at=first[0] if first else None,
            patient_initiated=first is not None and first[1] in (Message.ActingAs.SELF, Message.ActingAs.PROXY),
            entries=entries[thread.pk],
            repliers=repliers[thread.pk],
            visits=visits[(thread.patient_id, thread.organization_id)],
            booked_visit_at=booked.get(thread.pk),
            claims=claims[thread.pk],
        )
    return facts


def suggestion_for(thread: Thread) -> EvisitSuggestion:
    return suggest(load_facts([thread])[thread.pk])


# -- the panel on the staff thread page ---------------------------------------------------------


def confirm_refusal(suggestion: EvisitSuggestion, user_id: int, code: str | None = None) -> str | None:
    """Why `user_id` may not confirm (`code`, or any code), or None when they may."""
    claim = suggestion.claim
    if claim is not None:
        return _("Already confirmed: %(code)s by %(name)s on %(date)s.") % {
            "code": claim.code,
            "name": claim.clinician.signature,
            "date": dates.format_date(claim.confirmed_at),
        }
    if not suggestion.billable:
        return _("Not billable: %(reason)s") % {"reason": suggestion.exclusions[0]}
    if confirmer(suggestion, user_id) is None:
        return _(
            "Only a clinician whose own time counts toward this code can confirm it: a physician, nurse "
            "practitioner or physician assistant for 99421-99423, another qualified professional for 98970-98972."
        )
    if code is not None and code not in codes_up_to(suggestion.code):
        return _("Choose %(code)s or a lower code of the same kind.") % {"code": suggestion.code}
    return None


def confirmer(suggestion: EvisitSuggestion, user_id: int) -> StaffMember | None:
    """The job in which `user_id` counted time toward the suggested code, if they did."""
    return next((c.staff for c in suggestion.counted if c.staff.user_id == user_id), None)


@dataclass(frozen=True)
class Panel:
    thread: Thread
    suggestion: EvisitSuggestion
    my_seconds: int
    refusal: str | None
    codes: list[str]

    @property
    def mine(self) -> str:
        return duration(self.my_seconds)


def _audit_view_once(access: Access, actor: User, thread: Thread, now: datetime) -> None:
    seen = AuditEvent.objects.filter(
        actor=actor,
        patient=access.patient,
        object_type=PANEL_OBJECT,
        object_id=str(thread.pk),
        occurred_at__gte=now - PANEL_AUDIT_WINDOW,
    ).exists()
    if not seen:
        audit.record_access(
            access, actor=actor, action=AuditEvent.Action.VIEW, object_type=PANEL_OBJECT, object_id=thread.pk
        )


def panel(*, access: Access, actor: User, thread_id: int) -> Panel:
    thread = staff_thread(access, thread_id)
    facts = load_facts([thread])[thread.pk]
    suggestion = suggest(facts)
    _audit_view_once(access, actor, thread, timezone.now())
    refusal = confirm_refusal(suggestion, actor.pk)
    return Panel(
        thread=thread,
        suggestion=suggestion,
        my_seconds=sum(entry.seconds for entry in facts.entries if entry.staff.user_id == actor.pk),
        refusal=refusal,
        codes=codes_up_to(suggestion.code) if refusal is None else [],
    )


# -- the report ---------------------------------------------------------------------------------


class Status:
    ALL = ""
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class ReportFilters:
    since: date
    until: date
    clinician: int | None = None
    status: str = Status.ALL


@dataclass(frozen=True)
class ReportRow:
    thread: Thread
    suggestion: EvisitSuggestion

    @property
    def claim(self) -> EvisitClaim | None:
        return self.suggestion.claim

    @property
    def code(self) -> str:
        return self.claim.code if self.claim else self.suggestion.code

    @property
    def minutes(self) -> int:
        return self.claim.minutes if self.claim else self.suggestion.minutes

    @property
    def clinician(self) -> StaffMember | None:
        return self.claim.clinician if self.claim else self.suggestion.lead


@dataclass(frozen=True)
class Report:
    rows: list[ReportRow]
    totals: list[tuple[str, int, int]]  # (code, suggested, confirmed)
    truncated: bool


@dataclass(frozen=True)
class ReportScope:
    """Billing staff see their organizations' e-visits; qualified clinicians see their own."""

    billing_organizations: frozenset[int]
    own_staff: frozenset[int]
    organizations: frozenset[int]


def report_scope(user: User) -> ReportScope:
    """Who sees what on the report; 404 for staff who see nothing (front desk, nurses,
    administrators: configuration is not billing data)."""
    roles = list(StaffMember.objects.filter(user=user, is_active=True))
    billing = frozenset(role.organization_id for role in roles if role.role == StaffRole.BILLING)
    if not sees_evisit_report(roles):
        raise Http404
    own = [role for role in roles if qualification(role) != Qualification.NONE]
    return ReportScope(
        billing_organizations=billing,
        own_staff=frozenset(role.pk for role in own),
        organizations=billing | {role.organization_id for role in own},
    )


def _window(filters: ReportFilters) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(filters.since, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return start, end


def _visible(row: ReportRow, scope: ReportScope, filters: ReportFilters, window: tuple[datetime, datetime]) -> bool:
    start = row.suggestion.period_start
    if start is None or not window[0] <= start < window[1]:
        return False
    if row.claim is None and not row.suggestion.billable:
        return False
    if filters.status == Status.SUGGESTED and row.claim is not None:
        return False
    if filters.status == Status.CONFIRMED and row.claim is None:
        return False
    people = {row.claim.clinician_id} if row.claim else {c.staff.pk for c in row.suggestion.counted}
    if row.thread.organization_id not in scope.billing_organizations and not people & scope.own_staff:
        return False
    return filters.clinician is None or filters.clinician in people


def report(*, actor: User, scope: ReportScope, filters: ReportFilters, audit_action: str) -> Report:
    """Billable conversations whose 7 days began between the dates: suggested (not yet
    confirmed) and confirmed, with the number of each code. A fixed number of queries."""
    window = _window(filters)
    # Time recorded from the first day on (a period begins with time), or a claim in the window.
    candidates = list(
        Thread.objects.filter(
            Q(time_entries__at__gte=window[0], time_entries__at__lt=window[1] + PERIOD)
            | Q(evisit_claims__period_start__gte=window[0], evisit_claims__period_start__lt=window[1]),
            organization_id__in=scope.organizations,
            patient__in=patients_for(actor, Action.MESSAGING),
        )
        .distinct()
        .select_related("patient", "organization")
        .order_by("pk")
    )
    facts = load_facts(candidates)
    rows = [ReportRow(thread, suggest(facts[thread.pk])) for thread in candidates]
    rows = [row for row in rows if _visible(row, scope, filters, window)]
    rows.sort(key=lambda row: (row.suggestion.period_start, row.thread.pk))
    truncated = len(rows) > REPORT_LIMIT
    rows = rows[:REPORT_LIMIT]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row.code][1 if row.claim else 0] += 1
    audit.record_list(
        (audit.Line(row.thread.patient_id, object_id=row.thread.pk) for row in rows),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=audit_action,
        object_type=REPORT_OBJECT,
        scope=Action.MESSAGING,
    )
    totals = [(code, counts[code][0], counts[code][1]) for code in sorted(counts)]
    return Report(rows=rows, totals=totals, truncated=truncated)


def report_clinicians(scope: ReportScope) -> list[StaffMember]:
    """Whom the report may be narrowed to: the practice's clinicians for billing staff; oneself
    for a clinician."""
    people = StaffMember.objects.filter(organization_id__in=scope.organizations, is_active=True)
    if not scope.billing_organizations:
        people = people.filter(pk__in=scope.own_staff)
    people = people.select_related("user").order_by("user__full_name", "pk")
    return [person for person in people if qualification(person) != Qualification.NONE]
