"""Opening a link from a notification email or text: check it, then go to the thread."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from messaging.links import MAX_AGE, patient_thread_path, patient_threads_path, read_link
from messaging.models import Thread
from portal.access import Action, patients_for


@login_required
def notice_link(request: HttpRequest, token: str) -> HttpResponse:
    """Signed in as the person the link was sent to: on to the thread (whose page checks access
    again). Someone else, or too late: a page that says so and reveals nothing about the thread."""
    target = read_link(token)
    if target is None:
        raise Http404
    if target.user_id != request.user.pk:
        return render(request, "messaging/link_not_yours.html", status=403)
    patient_id = (
        Thread.objects.filter(pk=target.thread_id, patient__in=patients_for(request.user, Action.MESSAGING))
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise Http404  # the thread is gone, or this person no longer has access to its messages
    if target.expired:
        return render(
            request,
            "messaging/link_expired.html",
            {"messages_url": patient_threads_path(patient_id), "max_age_days": MAX_AGE.days},
            status=410,
        )
    return redirect(patient_thread_path(patient_id, target.thread_id))
