"""Staff pages of the records app: the queue of results held for clinician review, and release; the care
team's tasks; a patient's limits for home readings. Imports and matches are in views/staff_imports.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.access import Access, Action
from portal.models import User
from portal.services.errors import InvalidTransition, ServiceError
from portal.views.decorators import View, patient_view, staff_view
from records.forms.staff import COMMENT_MAX, ReleaseForm, TaskDoneForm, ThresholdForm
from records.selectors import patient_readings
from records.selectors import staff as staff_selectors
from records.services import care_tasks, readings, release
from records.views.patient_readings import SLUG_OF


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@staff_view
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    holds, total = release.review_queue(actor=request.user)  # type: ignore[arg-type]
    context = {"holds": holds, "total": total, "now": timezone.now(), "comment_max": COMMENT_MAX}
    return render(request, "records/staff/review_queue.html", context)


@staff_view
@require_GET
def review_count(request: HttpRequest) -> HttpResponse:
    """The staff home card's number (loaded in place by htmx; the card links to the queue without it)."""
    count = release.review_count(actor=request.user)  # type: ignore[arg-type]
    return render(request, "records/staff/_review_count.html", {"count": count})


@staff_view
@require_POST
@patient_view(Action.RECORDS)
def release_result(request: HttpRequest, access: Access, item_id: int) -> HttpResponse:
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The comment is too long. Keep it under %(n)s characters.") % {"n": COMMENT_MAX})
        return redirect("records_review_queue")
    try:
        hold = release.release_item(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            item_id=item_id,
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as error:
        messages.info(request, error.message)
        return redirect("records_review_queue")
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "records/staff/_released.html", {"hold": hold})
    # No name or test in the message: messages may travel in a cookie.
    messages.success(request, _("Released to the patient."))
    return redirect("records_review_queue")


# --- Care tasks and home reading limits ----------------------------------------------------------


def _queue(request: HttpRequest, bound: TaskDoneForm | None = None, bound_id: int | None = None) -> HttpResponse:
    queue = staff_selectors.care_task_queue(actor=_actor(request))
    rows = [
        (
            task,
            bound if task.pk == bound_id and bound is not None else TaskDoneForm(prefix=f"task-{task.pk}"),
            readings.emergency_of(task.reading) if task.reading else "",
            SLUG_OF[task.reading.kind] if task.reading else "",
        )
        for task in queue.tasks
    ]
    context = {"rows": rows, "total": queue.total}
    return render(request, "records/readings/staff_tasks.html", context, status=400 if bound is not None else 200)


@staff_view
def care_task_queue(request: HttpRequest) -> HttpResponse:
    """Open tasks for the patients this staff member may see, oldest first."""
    return _queue(request)


@staff_view
def care_task_count(request: HttpRequest) -> HttpResponse:
    """The staff home card's number (loaded in place by htmx; without it the card still links to the queue)."""
    count = staff_selectors.open_care_task_count(_actor(request))
    return render(request, "records/readings/_task_count.html", {"count": count})


@require_POST
@staff_view
def care_task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    form = TaskDoneForm(request.POST, prefix=f"task-{task_id}")
    resolution = form.cleaned_data["resolution"] if form.is_valid() else ""
    try:
        care_tasks.care_task_resolve(actor=_actor(request), task_id=task_id, resolution=resolution)
    except InvalidTransition as error:
        messages.error(request, error.message)
    except ServiceError as error:
        if not form.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return _queue(request, form, task_id)
    else:
        messages.success(request, _("Task marked done."))
    return redirect("staff_care_tasks")


def _staff_patient(view: View) -> View:
    """A staff page about one patient: staff only, then the access policy, then staff-side access only."""
    return staff_view(patient_view(Action.RECORDS, staff_side=True)(view))


@_staff_patient
def thresholds(request: HttpRequest, access: Access) -> HttpResponse:
    """The limits that send this patient's home readings to the care team."""
    limits = patient_readings.patient_limits(access=access, actor=_actor(request))
    form = ThresholdForm(request.POST or None, limits=limits, defaults=readings.clinic_limits())
    if request.method == "POST" and form.is_valid():
        readings.thresholds_set(access=access, actor=_actor(request), limits=form.chosen())
        messages.success(request, _("The limits were saved. They apply to the next reading."))
        return redirect("staff_reading_thresholds", patient_id=access.patient.pk)
    context = {"access": access, "patient": access.patient, "form": form, "units": readings.UNITS}
    return render(request, "records/readings/staff_thresholds.html", context, status=400 if form.errors else 200)
