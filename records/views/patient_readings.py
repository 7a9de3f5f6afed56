"""Pages for patient-entered data (home readings, reported mistakes) and the care team's side of them.

Thin views: parse input, call one service or selector, render. A patient's pages read and show times
in their own clinic's time zone (the middleware's default is the portal's clinic time zone).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import dates
from portal.access import Access, Action
from portal.models import User
from portal.services.errors import InvalidTransition, ServiceError
from portal.views.decorators import View, patient_view, staff_view
from records import reading_selectors as selectors
from records.charts import Point, lines_chart
from records.models import HomeReading, ReadingThreshold, RecordItem
from records.reading_forms import READING_FORMS, CorrectionForm, TaskDoneForm, ThresholdForm
from records.services import care_tasks, corrections, readings
from records.views import LIST_PAGES

Kind = HomeReading.Kind
Measure = ReadingThreshold.Measure

# URL slug -> kind, title, one line saying what to measure.
KINDS: dict[str, tuple[str, Any, Any]] = {
    "blood-pressure": (
        Kind.BLOOD_PRESSURE,
        gettext_lazy("Blood pressure"),
        gettext_lazy("Sit quietly for 5 minutes first, feet on the floor, arm resting at heart level."),
    ),
    "blood-sugar": (
        Kind.GLUCOSE,
        gettext_lazy("Blood sugar"),
        gettext_lazy("Wash and dry your hands before you check. Enter the number your meter shows, in mg/dL."),
    ),
    "weight": (
        Kind.WEIGHT,
        gettext_lazy("Weight"),
        gettext_lazy("Weigh yourself at the same time each day, on the same scale, in light clothes."),
    ),
}
SLUG_OF = {kind: slug for slug, (kind, _title, _text) in KINDS.items()}
LIST_SLUG_OF: dict[str, str] = {kind: slug for slug, (kind, _title, _text) in LIST_PAGES.items()}

# The words that go with each emergency, before the shared emergency guidance.
EMERGENCY_WORDS = {
    "bp_high": gettext_lazy(
        "Your blood pressure is very high. Call 911 now if you have chest pain, shortness of breath, back pain, "
        "numbness or weakness, a change in your vision, or trouble speaking."
    ),
    "glucose_low": gettext_lazy(
        "Your blood sugar is very low and needs treatment now. If you can swallow safely, eat or drink 15 grams "
        "of fast sugar, such as half a cup (4 ounces) of juice or regular soda, or glucose tablets. Check again "
        "in 15 minutes. If you are confused, cannot swallow or pass out, someone with you should call 911."
    ),
    "glucose_high": gettext_lazy(
        "Your blood sugar is very high. Call 911 now if you are throwing up, breathing fast, very sleepy or confused."
    ),
}


READING_EMERGENCY_GUIDANCE = gettext_lazy(
    "Your care team has been told about this reading. Do not wait for them if you feel very unwell: call 911."
)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _kind_of(slug: str) -> tuple[str, Any, Any]:
    if slug not in KINDS:
        raise Http404
    return KINDS[slug]


# --- Home readings ---------------------------------------------------------------------------


@patient_view(Action.RECORDS, clinic_time=True)
def reading_index(request: HttpRequest, access: Access) -> HttpResponse:
    summaries = {s.kind: s for s in selectors.readings_summary(access=access, actor=_actor(request))}
    limits = readings.effective_limits(access.patient)

    def level(kind: str) -> int:
        """How the latest reading compares with this patient's limits, so its card can say so."""
        latest = summaries[kind].latest
        return readings.assess(latest, limits).level if latest else readings.Level.IN_RANGE

    kinds = [(slug, title, text, summaries[kind], level(kind)) for slug, (kind, title, text) in KINDS.items()]
    context = {"access": access, "kinds": kinds, "may_enter": readings.may_enter(access)}
    return render(request, "records/readings/index.html", context)


def _chart(kind: str, history: selectors.History) -> Any:
    oldest_first = list(reversed(history.readings))
    # Each measure's band: the range the care team set, where both ends are set.
    bands = [(history.limits[m].low.value, history.limits[m].high.value) for m in readings.MEASURES[kind]]
    if kind == Kind.BLOOD_PRESSURE:
        series = [
            [Point(r.taken_at, Decimal(r.systolic or 0)) for r in oldest_first],
            [Point(r.taken_at, Decimal(r.diastolic or 0)) for r in oldest_first],
        ]
        return lines_chart(series, bands, label=dates.format_date)
    points = [Point(r.taken_at, r.value) for r in oldest_first if r.value is not None]
    return lines_chart([points], bands, label=dates.format_date)


@patient_view(Action.RECORDS, clinic_time=True)
def reading_kind(request: HttpRequest, access: Access, slug: str) -> HttpResponse:
    """One kind of reading: the form to add one, then the chart and every reading."""
    kind, title, text = _kind_of(slug)
    form_class = READING_FORMS[kind]
    may_enter = readings.may_enter(access)
    form = None
    if request.method == "POST":
        if not may_enter:
            raise Http404
        form = form_class(request.POST)
        if form.is_valid():
            try:
                recorded = readings.reading_record(access=access, actor=_actor(request), **form.reading())
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("record_reading", patient_id=access.patient.pk, reading_id=recorded.reading.pk)
    elif may_enter:
        form = form_class()
    history = selectors.reading_history(access=access, actor=_actor(request), kind=kind)
    context = {
        "access": access,
        "slug": slug,
        "kind": kind,
        "title": title,
        "text": text,
        "unit": readings.UNITS[kind],
        "form": form,
        "history": history.readings,
        "limits": [(Measure(measure).label, history.limits[measure]) for measure in readings.MEASURES[kind]],
        "chart": _chart(kind, history),
    }
    return render(request, "records/readings/kind.html", context, status=400 if form and form.errors else 200)


@patient_view(Action.RECORDS, clinic_time=True)
def reading_detail(request: HttpRequest, access: Access, reading_id: int) -> HttpResponse:
    """A saved reading and what to do now."""
    found = selectors.reading_detail(access=access, actor=_actor(request), reading_id=reading_id)
    if found is None:
        raise Http404
    reading, task = found
    emergency = readings.emergency_of(reading)
    context = {
        "access": access,
        "reading": reading,
        "task": task,
        "slug": SLUG_OF[reading.kind],
        "unit": readings.UNITS[reading.kind],
        "emergency": emergency,
        "emergency_words": EMERGENCY_WORDS.get(emergency, ""),
        # Not the lab-result guidance ("this result…"): a reading the patient just took calls for its own words.
        "emergency_guidance": READING_EMERGENCY_GUIDANCE if emergency else "",
    }
    return render(request, "records/readings/detail.html", context)


# --- Reporting a mistake in the record ---------------------------------------------------------


@patient_view(Action.RECORDS, clinic_time=True)
def correction(request: HttpRequest, access: Access, item_id: int) -> HttpResponse:
    """'This is wrong': the patient's note goes to the care team; the record itself stays as imported."""
    if not corrections.may_report(access):
        raise Http404
    item = selectors.correctable_item(access=access, actor=_actor(request), item_id=item_id)
    if item is None:
        raise Http404
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = corrections.correction_request(
                access=access, actor=_actor(request), item_id=item.pk, text=form.cleaned_data["text"]
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("record_correction_sent", patient_id=access.patient.pk, task_id=task.pk)
    context = {"access": access, "item": item, "form": form, "list_slug": LIST_SLUG_OF.get(item.kind, "")}
    return render(request, "records/corrections/form.html", context, status=400 if form.errors else 200)


@patient_view(Action.RECORDS, clinic_time=True)
def correction_sent(request: HttpRequest, access: Access, task_id: int) -> HttpResponse:
    task = selectors.correction_detail(access=access, actor=_actor(request), task_id=task_id)
    if task is None:
        raise Http404
    item_kind = task.item.kind if task.item else RecordItem.Kind.PROBLEM
    context = {"access": access, "task": task, "list_slug": LIST_SLUG_OF.get(item_kind, "")}
    return render(request, "records/corrections/sent.html", context)


# --- The care team's side -----------------------------------------------------------------------


def _queue(request: HttpRequest, bound: TaskDoneForm | None = None, bound_id: int | None = None) -> HttpResponse:
    queue = selectors.care_task_queue(actor=_actor(request))
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
    count = selectors.open_care_task_count(_actor(request))
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
    limits = selectors.patient_limits(access=access, actor=_actor(request))
    form = ThresholdForm(request.POST or None, limits=limits, defaults=readings.clinic_limits())
    if request.method == "POST" and form.is_valid():
        readings.thresholds_set(access=access, actor=_actor(request), limits=form.chosen())
        messages.success(request, _("The limits were saved. They apply to the next reading."))
        return redirect("staff_reading_thresholds", patient_id=access.patient.pk)
    context = {"access": access, "patient": access.patient, "form": form, "units": readings.UNITS}
    return render(request, "records/readings/staff_thresholds.html", context, status=400 if form.errors else 200)
