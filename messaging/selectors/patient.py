"""Reads for the patient's messaging pages (the patient, or a caregiver with the messaging scope).

Every function takes an `Access` granted for Action.MESSAGING, reads only that patient's
threads, never returns a staff-only internal note, and audits what it shows. Unread counts are
derived from rows (staff replies the patient side has not seen: `Message.patient_read_at` is
empty), never a stored counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.calendar import CalendarNeverOpens, add_business_minutes, is_open
from messaging.models import Attachment, Message, OwnershipChange, Pool, Thread
from messaging.selectors import calendar as calendar_selectors
from messaging.templatetags.messaging_patient import when
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, Organization, User

PAGE_SIZE = 20


def _unread(prefix: str = "") -> Q:
    """A staff reply the patient side has not seen yet (the partial index message_unread_by_patient)."""
    return Q(
        **{
            f"{prefix}acting_as": Message.ActingAs.STAFF,
            f"{prefix}is_internal_note": False,
            f"{prefix}patient_read_at__isnull": True,
        }
    )


def visible_threads(access: Access) -> QuerySet[Thread]:
    """The patient's threads this access may see: all of them, except that a teenager's
    confidential threads (`Thread.confidential`) do not exist for her caregivers. Every read and
    write of the patient side starts here."""
    threads = Thread.objects.filter(patient=access.patient)
    if access.hides_confidential:
        threads = threads.filter(confidential=False)
    return threads


def _threads(access: Access) -> QuerySet[Thread]:
    return visible_threads(access).select_related("owner__user", "organization", "pool")


def threads_with_unread(access: Access) -> QuerySet[Thread]:
    """The patient's threads this access may see, the newest activity first, each with `unread`
    (a count of unseen staff replies, derived in the same query). Shared by the pages and the
    API; not audited."""
    return (
        _threads(access)
        .annotate(unread=Count("messages", filter=_unread("messages__")))
        .order_by("-last_message_at", "-pk")
    )


def thread_list(*, access: Access, actor: User, page_number: str | None = None) -> Page[Thread]:
    """One page of the patient's threads with their unread counts (`Thread.late` says whether a
    waiting one is overdue). A constant number of queries however many threads."""
    access.require(Action.MESSAGING)
    page = Paginator(threads_with_unread(access), PAGE_SIZE).get_page(page_number)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="messaging.ThreadList")
    return page


def unread_total(access: Access) -> int:
    """Staff replies waiting unseen across the patient's threads this access may see (one
    query). For a page already granted to someone with the messaging scope (the home card)."""
    return Message.objects.filter(_unread(), thread__in=visible_threads(access)).count()


@dataclass(frozen=True)
class Conversation:
    """A thread as the patient side sees it: its messages (no internal notes) with their files,
    who owns it now and why, and which staff replies are new to this visit."""

    thread: Thread
    messages: list[Message]
    latest_change: OwnershipChange | None
    # The first staff answer (for "answered by ... on ...").
    answered_by: Message | None

    @property
    def waiting(self) -> bool:
        """Waiting for the first answer, the one the promise is about."""
        return self.thread.status == Thread.Status.OPEN and self.thread.first_responded_at is None

    @property
    def late(self) -> bool:
        return self.thread.late

    @property
    def owner_moved(self) -> bool:
        """Ownership moved after routing (a colleague, the lead at a breach, a physician)."""
        return self.latest_change is not None and self.latest_change.from_owner_id is not None


def conversation(*, access: Access, actor: User, thread_id: int) -> Conversation:
    """The thread `thread_id` of this patient (404 otherwise), audited as viewed."""
    access.require(Action.MESSAGING)
    thread = _threads(access).filter(pk=thread_id).first()
    if thread is None:
        raise Http404
    messages = list(
        thread.messages.filter(is_internal_note=False)
        .select_related("author", "author_staff__user", "author_staff__organization")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    latest_change = (
        thread.ownership_changes.select_related("from_owner__user", "to_owner__user").order_by("-at", "-pk").first()
    )
    answered_by = next((m for m in messages if m.acting_as == Message.ActingAs.STAFF), None)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=thread)
    return Conversation(thread=thread, messages=messages, latest_change=latest_change, answered_by=answered_by)


def next_opening(organization: Organization, now: datetime | None = None) -> datetime | None:
    """When the clinic next opens, if it is closed now (None while it is open, or if it never
    opens). An organization without a calendar is assumed open on weekdays 08:00-17:00, the
    same assumption the answer times are computed with."""
    calendar = calendar_selectors.clinic_calendar(organization) or calendar_selectors.assumed_calendar(organization)
    now = now or timezone.now()
    try:
        if is_open(calendar, now):
            return None
        return add_business_minutes(calendar, now, 0)
    except CalendarNeverOpens:
        return None


def urgent_cover(thread: Thread, now: datetime | None = None) -> str | None:
    """For a thread sent with signs of an emergency: who covers it now and that 911 is the way in
    an emergency, in words for the patient (None for any other thread). After hours this names
    the on-call clinician (or team) and their promised time, or says nobody reads it before the
    clinic opens."""
    if not thread.safety_flags:
        return None
    organization = thread.organization
    with timezone.override(organization.time_zone):
        due = when(thread.first_response_due_at)
        who = thread.owner.signature if thread.owner is not None else thread.pool.name
        if thread.pool.kind == Pool.Kind.ON_CALL:
            cover = _("The clinic is closed now. %(who)s is on call and will answer by %(due)s.") % {
                "who": who,
                "due": due,
            }
        elif (opens := next_opening(organization, now)) is not None:
            cover = _("The clinic is closed now: nobody will read your message before %(opens)s.") % {
                "opens": when(opens)
            }
        else:
            cover = _("%(who)s will answer by %(due)s.") % {"who": who, "due": due}
    return cover + " " + _("If this is an emergency, call 911 now: do not wait for an answer.")
