"""Reads of a patient's threads for the patient and caregivers (the API; the patient pages may
share them): scoped to the patient the access policy granted, never internal notes, audited."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from messaging.models import Message, Thread
from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User

# Staff replies the patient side has not seen: the unread count, derived (never stored).
UNREAD = Q(messages__acting_as=Message.ActingAs.STAFF, messages__is_internal_note=False) & Q(
    messages__patient_read_at__isnull=True
)


def threads_of(access: Access) -> QuerySet[Thread]:
    """The patient's threads with their owner and unread count (no audit: for callers that just
    wrote and return what they wrote)."""
    return (
        Thread.objects.filter(patient=access.patient)
        .select_related("owner__user")
        .annotate(unread=Count("messages", filter=UNREAD))
        .order_by("-last_message_at", "-pk")
    )


def patient_threads(*, access: Access, actor: User) -> QuerySet[Thread]:
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="messaging.Thread")
    return threads_of(access)


def patient_thread(*, access: Access, actor: User, thread_id: int) -> Thread:
    """One thread with the messages the patient side may read (replies, never internal notes)."""
    visible = (
        Message.objects.filter(is_internal_note=False)
        .select_related("author", "author_staff__user")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    thread = (
        threads_of(access)
        .prefetch_related(Prefetch("messages", queryset=visible, to_attr="visible_messages"))
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise Http404
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=thread)
    return thread
