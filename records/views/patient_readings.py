"""Pages for patient-entered data (home readings, reported mistakes); the care team's side is in views/staff.py.

Thin views: parse input, call one service or selector, render. A patient's pages read and show times
in their own clinic's time zone (the middleware's default is the portal's clinic time zone).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from portal.access import Access, Action
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view
from records.charts import home_reading_chart
from records.forms.patient_readings import READING_FORMS, CorrectionForm
from records.models import HomeReading, ReadingThreshold, RecordItem
from records.selectors import patient_readings
from records.services import corrections, readings
from records.views.patient import LIST_PAGES

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
    summaries = {s.kind: s for s in patient_readings.readings_summary(access=access, actor=_actor(request))}
    limits = readings.effective_limits(access.patient)

    def level(kind: str) -> int:
        """How the latest reading compares with this patient's limits, so its card can say so."""
        latest = summaries[kind].latest
        return readings.assess(latest, limits).level if latest else readings.Level.IN_RANGE

    kinds = [(slug, title, text, summaries[kind], level(kind)) for slug, (kind, title, text) in KINDS.items()]
    context = {"access": access, "kinds": kinds, "may_enter": readings.may_enter(access)}
    return render(request, "records/readings/index.html", context)


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
    history = patient_readings.reading_history(access=access, actor=_actor(request), kind=kind)
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
        "chart": home_reading_chart(kind, history.readings, history.limits),
    }
    return render(request, "records/readings/kind.html", context, status=400 if form and form.errors else 200)


@patient_view(Action.RECORDS, clinic_time=True)
def reading_detail(request: HttpRequest, access: Access, reading_id: int) -> HttpResponse:
    """A saved reading and what to do now."""
    found = patient_readings.reading_detail(access=access, actor=_actor(request), reading_id=reading_id)
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
    item = patient_readings.correctable_item(access=access, actor=_actor(request), item_id=item_id)
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
    task = patient_readings.correction_detail(access=access, actor=_actor(request), task_id=task_id)
    if task is None:
        raise Http404
    item_kind = task.item.kind if task.item else RecordItem.Kind.PROBLEM
    context = {"access": access, "task": task, "list_slug": LIST_SLUG_OF.get(item_kind, "")}
    return render(request, "records/corrections/sent.html", context)
