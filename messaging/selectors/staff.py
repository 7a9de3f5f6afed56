"""Reads for the staff side of messaging: the inboxes (one per pool, and "Mine"), a thread with
everything staff see on it, the quick replies and colleagues it offers, and the chart side panel.

Who sees which inbox: a pool's inbox is shown to its members and to its lead (who takes over
late threads, so must see them coming). Administrators see a pool only if they are in it, and
even then no thread: the access policy gives their role no clinical data. Every list is also
scoped by `portal.access.patients_for(actor, MESSAGING)`, so a thread whose patient the staff
member may not reach never shows, whatever pool it sits in. Each patient shown is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from messaging.models import Message, OwnershipChange, Pool, QuickReply, Thread
from messaging.services.routing import MESSAGING_ROLES
from portal import audit
from portal.access import Access, Action, patients_for
from portal.models import AuditEvent, StaffMember, User
from records.models import RecordItem
from records.selectors.patient import Filters as RecordFilters
from records.selectors.patient import Grouped, deduplicated, record_overview
from records.selectors.patient_readings import Judged, recent_readings

Status = Thread.Status
MINE = "mine"
INBOX_LIMIT = 100
# A record item that is still part of the patient's care (FHIR clinical/medication statuses);
# an empty status is kept, since many sources leave it out.
CURRENT_STATUSES = frozenset({"", "active", "recurrence", "relapse", "on-hold", "intended"})


class View:
    """Which threads of an inbox: waiting for the clinic (the work), answered, or closed."""

    WAITING = "waiting"
    ANSWERED = "answered"
    CLOSED = "closed"
    STATUS = {WAITING: Status.OPEN, ANSWERED: Status.ANSWERED, CLOSED: Status.CLOSED}


@dataclass(frozen=True)
class Filters:
    view: str = View.WAITING
    sla_state: str = ""
    category: str = ""
    urgency: str = ""


@dataclass(frozen=True)
class Inbox:
    """One inbox tab: "Mine" (`pool` None) or a pool, with how many threads wait in it."""

    key: str
    pool: Pool | None
    waiting: int


@dataclass
class InboxPage:
    threads: list[Thread]
    total: int


def my_pools(actor: User) -> QuerySet[Pool]:
    """The pools whose inbox `actor` sees: those they are an active member or the lead of."""
    return (
        Pool.objects.filter(Q(members__user=actor, members__is_active=True) | Q(lead__user=actor, lead__is_active=True))
        .distinct()
        .order_by("organization__name", "name")
    )


def _reachable(actor: User) -> QuerySet[Thread]:
    return Thread.objects.filter(patient__in=patients_for(actor, Action.MESSAGING))


def _in_inbox(threads: QuerySet[Thread], actor: User, pool: Pool | None) -> QuerySet[Thread]:
    return threads.filter(pool=pool) if pool is not None else threads.filter(owner__user=actor)


def inboxes(actor: User) -> list[Inbox]:
    """ "Mine" first, then each of my pools, with the number of threads waiting (three queries)."""
    pools = list(my_pools(actor))
    waiting = _reachable(actor).filter(status=Status.OPEN)
    by_pool = dict(
        waiting.filter(pool__in=[pool.pk for pool in pools])
        .values_list("pool")
        .annotate(n=Count("pk"))
        .values_list("pool", "n")
    )
    mine = waiting.filter(owner__user=actor).count()
    return [Inbox(MINE, None, mine)] + [Inbox(str(pool.pk), pool, by_pool.get(pool.pk, 0)) for pool in pools]


def waiting_count(actor: User) -> int:
    """Threads waiting for the clinic in my pools or owned by me, each counted once (one query;
    a number only, no patient named, so not audited)."""
    waiting = _reachable(actor).filter(status=Status.OPEN)
    # A UNION of the two questions, not one OR: each half is an index scan (pool, status, ...) /
    # (owner, status, ...), where the OR made PostgreSQL read every thread.
    in_my_pools = waiting.filter(pool__in=my_pools(actor).values("pk")).values("pk")
    mine = waiting.filter(owner__user=actor).values("pk")
    return in_my_pools.union(mine).count()


def inbox_pool(actor: User, pool_id: int) -> Pool:
    """One of my pools, or 404 (a pool's inbox is for its members and lead only)."""
    pool = my_pools(actor).filter(pk=pool_id).first()
    if pool is None:
        raise Http404
    return pool


def inbox_threads(*, actor: User, pool: Pool | None, filters: Filters, limit: int = INBOX_LIMIT) -> InboxPage:
    """The threads of one inbox (`pool`, or mine when None), filtered. Waiting threads come
    soonest-due first (the order of the work); answered and closed ones newest first.
    Three queries whatever the number of threads: the threads, their count, the audit."""
    threads = _in_inbox(_reachable(actor), actor, pool).filter(status=View.STATUS[filters.view])
    if filters.sla_state:
        threads = threads.filter(sla_state=filters.sla_state)
    if filters.category:
        threads = threads.filter(category=filters.category)
    if filters.urgency:
        threads = threads.filter(urgency=filters.urgency)
    order = ("first_response_due_at", "pk") if filters.view == View.WAITING else ("-last_message_at", "-pk")
    shown = list(threads.select_related("patient", "organization", "owner__user", "pool").order_by(*order)[:limit])
    total = len(shown) if len(shown) < limit else threads.count()
    patients = dict.fromkeys(thread.patient_id for thread in shown)
    audit.record_list(
        (audit.Line(patient_id) for patient_id in patients),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        object_type="messaging.StaffInbox",
        scope=Action.MESSAGING,
    )
    return InboxPage(shown, total)


# -- one thread ------------------------------------------------------------------------------------


def thread_patient_id(thread_id: int) -> Any:
    """Whose thread this is (for the access policy to decide), or 404. Reveals nothing itself."""
    patient_id = Thread.objects.filter(pk=thread_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    return patient_id


@dataclass
class ThreadPage:
    thread: Thread
    messages: list[Message]
    changes: list[OwnershipChange]
    quick_replies: list[QuickReply] = field(default_factory=list)
    colleagues: list[StaffMember] = field(default_factory=list)


def staff_thread(access: Access, thread_id: int) -> Thread:
    """The thread with its patient, organization, pool and owner; 404 unless it is the
    patient's and the access is a staff member's (not audited: callers say what they read)."""
    access.require(Action.MESSAGING, staff_side=True)
    thread = (
        Thread.objects.select_related("patient", "organization", "pool", "owner__user")
        .filter(pk=thread_id, patient=access.patient)
        .first()
    )
    if thread is None:
        raise Http404
    return thread


def thread_for_staff(*, access: Access, actor: User, thread_id: int) -> ThreadPage:
    """A thread as staff see it: every message including internal notes (with attachments'
    names), the ownership history, and what the reply and reassign forms offer. Audited."""
    thread = staff_thread(access, thread_id)
    messages = list(
        thread.messages.select_related("author", "author_staff__user")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    changes = list(
        thread.ownership_changes.select_related(
            "from_owner__user", "to_owner__user", "from_pool", "to_pool", "changed_by"
        ).order_by("at", "pk")
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=thread)
    return ThreadPage(thread, messages, changes, quick_replies(thread), colleagues(thread))


def quick_replies(thread: Thread) -> list[QuickReply]:
    """The organization's active quick replies for this thread's category (or for every
    category), in the patient's preferred language first."""
    language_first = Case(
        When(language=thread.patient.preferred_language, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        QuickReply.objects.filter(organization=thread.organization_id, is_active=True)
        .filter(Q(categories=[]) | Q(categories__contains=[thread.category]))
        .order_by(language_first, "language", "title")
    )


def colleagues(thread: Thread) -> list[StaffMember]:
    """Who the thread may be passed to: active staff of its organization who answer messages,
    except its owner."""
    return list(
        StaffMember.objects.filter(organization=thread.organization_id, is_active=True, role__in=MESSAGING_ROLES)
        .exclude(pk=thread.owner_id or 0)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


# -- the chart side panel ---------------------------------------------------------------------------


@dataclass
class ChartSummary:
    problems: list[Grouped]
    medications: list[Grouped]
    allergies: list[Grouped]
    latest_results: list[RecordItem]
    # Home readings of the last two weeks, newest first, each judged against the patient's limits:
    # what the patient measured just before writing may be the reason for the message.
    home_readings: list[Judged]


def chart_summary(*, access: Access, actor: User, now: datetime) -> ChartSummary:
    """What a staff member answering a message needs from the record: recent home readings (out
    of range ones said so), current problems, medications and allergies, and the latest results.
    Read through the records selectors (each audits its read) and audited once more as the chart
    panel a message was answered from."""
    access.require(Action.RECORDS, staff_side=True)
    filters = RecordFilters()

    def current(kind: str) -> list[Grouped]:
        grouped = deduplicated(access=access, actor=actor, kind=kind, filters=filters)
        return [entry for entry in grouped if entry.item.status in CURRENT_STATUSES]

    summary = ChartSummary(
        problems=current(RecordItem.Kind.PROBLEM),
        medications=current(RecordItem.Kind.MEDICATION),
        allergies=current(RecordItem.Kind.ALLERGY),
        latest_results=record_overview(access=access, actor=actor)["latest_results"],
        home_readings=recent_readings(access=access, actor=actor, now=now),
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="messaging.ChartPanel")
    return summary
