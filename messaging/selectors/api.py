"""Reads of a patient's threads for the API (the patient and caregivers), built on the patient
pages' selectors: scoped to the patient the access policy granted, never internal notes, audited."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from messaging.models import Message, Thread
from messaging.selectors.patient import threads_with_unread
from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User


def threads_of(access: Access) -> QuerySet[Thread]:
    """The patient's threads with their owner and unread count (no audit: for callers that just
    wrote and return what they wrote)."""
    return threads_with_unread(access)


def patient_threads(*, access: Access, actor: User) -> QuerySet[Thread]:
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="messaging.ThreadList")
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
