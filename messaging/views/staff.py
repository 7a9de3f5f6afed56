"""Staff messaging pages: the inboxes and a thread with its actions, under /staff/messaging/.

Thin views: parse, call one selector or service, render. A thread is named by id in the URL:
the view finds whose thread it is, then asks the access policy (`access_patient`, MESSAGING),
so staff of another organization, patients and caregivers get 404. Every action is a POST that
redirects back to the thread on success, and shows the thread again with the error and
everything typed when the service refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from messaging import protocols
from messaging.forms.staff import (
    CloseForm,
    EscalateForm,
    InboxFilterForm,
    NoteForm,
    ReassignForm,
    ReplyForm,
    ThreadActionForm,
)
from messaging.models import Thread
from messaging.selectors import staff as staff_selectors
from messaging.services import attachments
from messaging.services import threads as services
from messaging.views.attachments import attachment_response
from portal.access import Access, Action, access_patient, resolve
from portal.lookups import as_id
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import staff_view

ThreadView = Callable[..., HttpResponse]
REFRESH_SECONDS = 30


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# -- inboxes -------------------------------------------------------------------------------------


def _inbox(request: HttpRequest, pool_id: int | None) -> HttpResponse:
    actor = _actor(request)
    pool = staff_selectors.inbox_pool(actor, pool_id) if pool_id is not None else None
    form = InboxFilterForm(request.GET)
    page = staff_selectors.inbox_threads(actor=actor, pool=pool, filters=form.filters())
    here = reverse("staff_messages_pool", args=[pool.pk]) if pool else reverse("staff_messages")
    context: dict[str, Any] = {
        "pool": pool,
        "page": page,
        "filters": form.filters(),
        "list_url": request.get_full_path(),
        "here": here,
        "refresh_seconds": REFRESH_SECONDS,
        "now": timezone.now(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        # The list alone: a filter change or the 30-second refresh swaps it in place.
        return render(request, "messaging/staff/_inbox_list.html", context)
    context.update(
        form=form, inboxes=staff_selectors.inboxes(actor), current_key=str(pool.pk) if pool else staff_selectors.MINE
    )
    return render(request, "messaging/staff/inbox.html", context)


@staff_view
@require_GET
def inbox_mine(request: HttpRequest) -> HttpResponse:
    """Threads I own."""
    return _inbox(request, None)


@staff_view
@require_GET
def inbox_pool(request: HttpRequest, pool_id: int) -> HttpResponse:
    """One of my pools' threads (404 for a pool I am not in)."""
    return _inbox(request, pool_id)


@staff_view
@require_GET
def waiting_count(request: HttpRequest) -> HttpResponse:
    """The staff home card's number (loaded in place by htmx; the card links to the inbox without it)."""
    count = staff_selectors.waiting_count(_actor(request))
    return render(request, "messaging/staff/_waiting_count.html", {"count": count})


# -- one thread ------------------------------------------------------------------------------------


def staff_thread(view: ThreadView) -> ThreadView:
    """A staff page about one thread: staff only; then the access policy decides for the
    thread's patient (messaging), and only a staff-side access goes on."""

    @staff_view
    @wraps(view)
    def wrapped(request: HttpRequest, thread_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        access = access_patient(request.user, staff_selectors.thread_patient_id(thread_id), Action.MESSAGING)
        access.require(Action.MESSAGING, staff_side=True)
        return view(request, access, thread_id, *args, **kwargs)

    return wrapped


def _thread_page(
    request: HttpRequest, access: Access, thread_id: int, *, bound: ThreadActionForm | None = None, status: int = 200
) -> HttpResponse:
    """The thread page; `bound` is the form just sent (with its errors and text), shown in place
    of the blank one of its kind."""
    actor = _actor(request)
    page = staff_selectors.thread_for_staff(access=access, actor=actor, thread_id=thread_id)
    forms: dict[str, ThreadActionForm] = {
        "reply_form": ReplyForm(quick_replies=page.quick_replies),
        "note_form": NoteForm(),
        "reassign_form": ReassignForm(colleagues=page.colleagues),
        "escalate_form": EscalateForm(),
        "close_form": CloseForm(),
    }
    if bound is not None:
        forms[bound.context_name] = bound
    roles = services.staff_roles_at(access, actor, page.thread)
    patient = page.thread.patient
    context = {
        "access": access,
        "page": page,
        "thread": page.thread,
        "patient": patient,
        "age": patient.age_on(timezone.localdate()),
        "protocols": protocols.summaries(roles),
        **_close_advice(roles, page.thread),
        "may_see_chart": resolve(actor, patient, Action.RECORDS) is not None,
        "quick_reply_texts": forms["reply_form"].texts(),  # type: ignore[attr-defined]
        "open_form": bound.context_name if bound is not None else "",
        "now": timezone.now(),
        **forms,
    }
    return render(request, "messaging/staff/thread.html", context, status=status)


def _close_advice(roles: set[str], thread: Thread) -> dict[str, Any]:
    """What the page says about closing: the outcomes this person may choose, or why none."""
    kind = {"category": thread.category, "urgency": thread.urgency}
    allowed = protocols.allowed_outcomes(roles, **kind)
    refusal = "" if allowed else protocols.refusal(roles, outcome=Thread.Outcome.ANSWERED, **kind)
    return {"close_outcomes": [Thread.Outcome(o).label for o in allowed], "close_refusal": refusal or ""}


def _refused(
    request: HttpRequest, access: Access, thread_id: int, form: ThreadActionForm, error: ServiceError
) -> HttpResponse:
    form.is_valid()
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return _thread_page(request, access, thread_id, bound=form, status=400)


def _done(request: HttpRequest, thread_id: int, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("staff_thread", args=[thread_id]) + anchor)


@require_GET
@staff_thread
def thread(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    return _thread_page(request, access, thread_id)


@require_GET
@staff_thread
def attachment(request: HttpRequest, access: Access, thread_id: int, attachment_id: int) -> HttpResponse:
    """A file sent in the thread (audited as a download)."""
    found = attachments.attachment_download(access=access, actor=_actor(request), attachment_id=attachment_id)
    if found.message.thread_id != thread_id:
        raise Http404
    return attachment_response(found)


@require_GET
@staff_thread
def chart(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """The chart side panel (htmx puts it next to the thread; without JavaScript it is a page)."""
    records_access = access_patient(request.user, access.patient.pk, Action.RECORDS)
    summary = staff_selectors.chart_summary(access=records_access, actor=_actor(request), now=timezone.now())
    context = {"summary": summary, "patient": access.patient, "thread_id": thread_id}
    template = "messaging/staff/_chart_panel.html" if request.htmx else "messaging/staff/chart.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@staff_thread
def reply(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """Send a reply; or (the "insert" button, without JavaScript) put a quick reply into the text."""
    form = ReplyForm(
        request.POST, quick_replies=staff_selectors.quick_replies(staff_selectors.staff_thread(access, thread_id))
    )
    if request.POST.get("action") == "insert":
        return _thread_page(request, access, thread_id, bound=form.with_quick_reply())
    try:
        services.thread_reply(
            access=access,
            actor=_actor(request),
            thread_id=thread_id,
            body=form.posted("body"),
            idempotency_key=form.posted("idempotency_key"),
        )
    except ServiceError as error:
        return _refused(request, access, thread_id, form, error)
    return _done(request, thread_id, _("Your reply was sent."), "#messages")


@require_POST
@staff_thread
def note(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    try:
        services.thread_reply(
            access=access,
            actor=_actor(request),
            thread_id=thread_id,
            body=form.posted("body"),
            internal_note=True,
            idempotency_key=form.posted("idempotency_key"),
        )
    except ServiceError as error:
        return _refused(request, access, thread_id, form, error)
    return _done(request, thread_id, _("Your internal note was added. The patient does not see it."), "#messages")


@require_POST
@staff_thread
def claim(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    try:
        services.thread_claim(access=access, actor=_actor(request), thread_id=thread_id)
    except ServiceError as error:
        messages.error(request, error.message)
        return _thread_page(request, access, thread_id, status=400)
    return _done(request, thread_id, _("This conversation is now yours."))


@require_POST
@staff_thread
def reassign(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    form = ReassignForm(
        request.POST, colleagues=staff_selectors.colleagues(staff_selectors.staff_thread(access, thread_id))
    )
    to_staff = form.data.get(form.add_prefix("to_staff"), "")
    try:
        services.thread_reassign(
            access=access,
            actor=_actor(request),
            thread_id=thread_id,
            to_staff_id=as_id(to_staff) or 0,
            note=form.data.get(form.add_prefix("note"), ""),
        )
    except ServiceError as error:
        return _refused(request, access, thread_id, form, error)
    return _done(request, thread_id, _("The conversation was passed on."))


@require_POST
@staff_thread
def escalate(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    form = EscalateForm(request.POST)
    try:
        services.thread_escalate(
            access=access, actor=_actor(request), thread_id=thread_id, note=form.data.get(form.add_prefix("note"), "")
        )
    except ServiceError as error:
        return _refused(request, access, thread_id, form, error)
    return _done(request, thread_id, _("The conversation was escalated to the physician inbox."))


@require_POST
@staff_thread
def close(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    form = CloseForm(request.POST)
    try:
        services.thread_close(
            access=access,
            actor=_actor(request),
            thread_id=thread_id,
            outcome=form.data.get(form.add_prefix("outcome"), ""),
        )
    except ServiceError as error:
        return _refused(request, access, thread_id, form, error)
    return _done(request, thread_id, _("The conversation was closed."))


@require_POST
@staff_thread
def reopen(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    services.thread_reopen(access=access, actor=_actor(request), thread_id=thread_id)
    return _done(request, thread_id, _("The conversation was reopened. It waits for the clinic again."))
