"""A billing question or a financial assistance request: a thread in the clinic's billing pool
with a named owner and a committed answer time, opened through messaging's one way in."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import safety
from messaging.models import Category, Pool, Thread
from messaging.services.threads import thread_open_for
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError

QUESTION, ASSISTANCE = "question", "assistance"


@transaction.atomic
def billing_thread_open(
    *, access: Access, actor: User, kind: str, text: str, idempotency_key: str, now: datetime | None = None
) -> Thread:
    """Open the thread (the same key twice: the same thread). Words that suggest an emergency go
    to the care team as urgent, as every message does. Messaging audits the conversation; the
    request itself (a question, or a request for financial assistance) is audited here, once, so
    the activity page can say which it was."""
    access.require(Action.BILLING, patient_side=True)
    now = now or timezone.now()
    text = text.strip()
    if len(text) < 3:
        raise ServiceError(_("Write your question in a few words."), field="text")
    subject = _("Financial assistance request") if kind == ASSISTANCE else _("Billing question")
    thread = thread_open_for(
        access=access,
        author=actor,
        actor=actor,
        category=Category.BILLING,
        subject=str(subject),
        body=text,
        idempotency_key=f"billing-{kind}-{idempotency_key}"[:64],
        safety_flags=safety.screen(text),
        pool_kinds=(Pool.Kind.BILLING,),
        now=now,
    )
    # The key found an earlier question: a different text under it would be silently dropped.
    first = thread.messages.order_by("created_at", "pk").values_list("body", flat=True).first()
    if first is not None and first.strip() != text:
        raise ServiceError(_("This form was already sent with another question. Open the form again to ask a new one."))
    if thread.created_at == now:  # opened now, not found again by its key
        audit.record_access(
            access,
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="billing.AssistanceRequest" if kind == ASSISTANCE else "billing.BillingQuestion",
            object_id=thread.pk,
        )
    return thread
