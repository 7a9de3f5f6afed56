"""The patient's messaging pages, for the patient or a caregiver with the messaging scope: the
list of conversations, starting one, a conversation with its reply box, closing and reopening,
and downloading a file. Times read in the patient's clinic's time zone.

The services screen every message (`messaging.safety`): when its words suggest an emergency
they refuse with `safety.Unconfirmed`, and the form comes back with emergency guidance instead
of sending; it sends only when the person presses "Send it anyway" for the findings they were
shown. A flagged message sent tells who covers it now, and to call 911 in an emergency.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from messaging import safety
from messaging.forms.patient import ReplyForm, StartForm
from messaging.models import Pool, Thread
from messaging.selectors import patient as patient_selectors
from messaging.services import attachments, threads
from messaging.views.attachments import attachment_response
from portal.access import Access, Action
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view

# A page of the patient side: the patient, or a caregiver with the messaging scope (the access
# policy's answer for Action.MESSAGING), in the clinic's time zone. Staff work from their own pages.
messaging_page = patient_view(Action.MESSAGING, patient_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _tell_cover(request: HttpRequest, thread: Thread) -> None:
    cover = patient_selectors.urgent_cover(thread)
    if cover is not None:
        messages.warning(request, cover)


def _safety_context(flags: list[str], files_dropped: bool) -> dict[str, Any]:
    return {
        "safety_flags": flags,
        "safety_labels": safety.labels(flags),
        "screened": " ".join(flags),
        "files_dropped": files_dropped,
    }


def _keep_service_error(form: StartForm | ReplyForm, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@messaging_page
@require_GET
def thread_list(request: HttpRequest, access: Access) -> HttpResponse:
    page = patient_selectors.thread_list(access=access, actor=_actor(request), page_number=request.GET.get("page"))
    context = {
        "access": access,
        "page": page,
        "opens_at": patient_selectors.next_opening(access.patient.home_organization),
    }
    return render(request, "messaging/patient/list.html", context)


@messaging_page
def thread_start(request: HttpRequest, access: Access) -> HttpResponse:
    flags: list[str] = []
    if request.method == "POST":
        form = StartForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = threads.thread_start(
                    access=access,
                    actor=_actor(request),
                    category=data["category"],
                    subject=data["subject"],
                    body=data["body"],
                    idempotency_key=data["idempotency_key"],
                    confirmed_flags=safety.confirmed_in(request.POST),
                    attachments=data["attachments"],
                )
            except safety.Unconfirmed as refusal:
                flags = refusal.flags
            except ServiceError as error:
                _keep_service_error(form, error)
            else:
                messages.success(request, _("Your message was sent."))
                _tell_cover(request, thread)
                return redirect("messages_thread", patient_id=access.patient.pk, thread_id=thread.pk)
    else:
        form = StartForm(initial={"idempotency_key": uuid4().hex, "category": request.GET.get("category")})
    context = {
        "access": access,
        "form": form,
        "opens_at": patient_selectors.next_opening(access.patient.home_organization),
        **_safety_context(flags, files_dropped=bool(request.FILES)),
    }
    return render(request, "messaging/patient/start.html", context)


@messaging_page
def thread_page(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """The conversation; a POST is a reply. Seeing it marks the clinic's replies read."""
    flags: list[str] = []
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message = threads.thread_reply(
                    access=access,
                    actor=_actor(request),
                    thread_id=thread_id,
                    body=form.cleaned_data["body"],
                    confirmed_flags=safety.confirmed_in(request.POST),
                    attachments=form.cleaned_data["attachments"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except safety.Unconfirmed as refusal:
                flags = refusal.flags
            except ServiceError as error:
                _keep_service_error(form, error)
            else:
                messages.success(request, _("Your reply was sent."))
                if safety.screen(message.body):
                    _tell_cover(request, message.thread)
                return redirect("messages_thread", patient_id=access.patient.pk, thread_id=thread_id)
    conversation = patient_selectors.conversation(access=access, actor=_actor(request), thread_id=thread_id)
    threads.thread_mark_read(access=access, thread_id=thread_id)
    waits_for_opening = conversation.waiting and conversation.thread.pool.kind != Pool.Kind.ON_CALL
    context = {
        "access": access,
        "conversation": conversation,
        "thread": conversation.thread,
        "form": form,
        # The on-call team reads it tonight: "seen when the clinic opens" would not be true.
        "opens_at": patient_selectors.next_opening(access.patient.home_organization) if waits_for_opening else None,
        **_safety_context(flags, files_dropped=bool(request.FILES)),
    }
    return render(request, "messaging/patient/thread.html", context)


def _change(request: HttpRequest, access: Access, thread_id: int, *, close: bool) -> HttpResponse:
    try:
        if close:
            threads.thread_close(access=access, actor=_actor(request), thread_id=thread_id)
            messages.success(request, _("The conversation is closed. You can reopen it at any time."))
        else:
            threads.thread_reopen(access=access, actor=_actor(request), thread_id=thread_id)
            messages.success(request, _("The conversation is open again. Write your message below."))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("messages_thread", patient_id=access.patient.pk, thread_id=thread_id)


@messaging_page
@require_POST
def thread_close(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    return _change(request, access, thread_id, close=True)


@messaging_page
@require_POST
def thread_reopen(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    return _change(request, access, thread_id, close=False)


@messaging_page
@require_GET
def attachment_download(request: HttpRequest, access: Access, attachment_id: int) -> HttpResponse:
    attachment = attachments.attachment_download(access=access, actor=_actor(request), attachment_id=attachment_id)
    return attachment_response(attachment)
