"""The patient's record pages: thin views over records.selectors.patient; and the patient's choice to see
sensitive results only after their clinician has reviewed them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import Access, Action
from portal.lookups import fits
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view
from records.charts import result_trend_chart
from records.forms.patient import RecordFilterForm, ReleasePreferenceForm
from records.models import RecordItem
from records.plain_language import explain
from records.selectors import patient
from records.services import confidentiality, release

Kind = RecordItem.Kind

# The record's list pages: URL slug -> (kind, title, one line saying what is on the page).
LIST_PAGES = {
    "problems": (
        Kind.PROBLEM,
        gettext_lazy("Problems"),
        gettext_lazy("Health problems and diagnoses, from every place that treats you."),
    ),
    "medications": (
        Kind.MEDICATION,
        gettext_lazy("Medications"),
        gettext_lazy("Medicines prescribed for you, newest first."),
    ),
    "allergies": (
        Kind.ALLERGY,
        gettext_lazy("Allergies"),
        gettext_lazy("Allergies and reactions your care teams know about."),
    ),
    "immunizations": (Kind.IMMUNIZATION, gettext_lazy("Immunizations"), gettext_lazy("Vaccines you have had.")),
    "visits": (Kind.VISIT, gettext_lazy("Visits"), gettext_lazy("Visits and stays at every clinic and hospital.")),
    "procedures": (
        Kind.PROCEDURE,
        gettext_lazy("Procedures"),
        gettext_lazy("Tests, treatments and operations that were done."),
    ),
    "documents": (
        Kind.DOCUMENT,
        gettext_lazy("Documents"),
        gettext_lazy("Visit notes, reports, pictures and other papers your care teams sent."),
    ),
    "care-plans": (
        Kind.CARE_PLAN,
        gettext_lazy("Care plans"),
        gettext_lazy("What your care team planned with you for a condition, and what it involves."),
    ),
    "goals": (
        Kind.GOAL,
        gettext_lazy("Health goals"),
        gettext_lazy("Goals you and your care team set, and how far along they are."),
    ),
    "imaging": (
        Kind.IMAGING,
        gettext_lazy("Imaging"),
        gettext_lazy("X-rays, scans and other pictures taken of the inside of your body."),
    ),
    "devices": (
        Kind.DEVICE,
        gettext_lazy("Medical devices"),
        gettext_lazy("Implants and equipment your care teams recorded for you, such as a pacemaker or a walker."),
    ),
}


def _filter_form(request: HttpRequest, access: Access) -> RecordFilterForm:
    return RecordFilterForm(request.GET or None, sources=patient.sources_of(access))


@patient_view(Action.RECORDS)
def overview(request: HttpRequest, access: Access) -> HttpResponse:
    summary = patient.record_overview(access=access, actor=request.user)  # type: ignore[arg-type]
    pages = [(slug, title, text, summary["counts"].get(kind, 0)) for slug, (kind, title, text) in LIST_PAGES.items()]
    context = {"access": access, "pages": pages, "results_count": summary["counts"].get("results", 0), **summary}
    return render(request, "records/overview.html", context)


@patient_view(Action.RECORDS)
def results(request: HttpRequest, access: Access) -> HttpResponse:
    form = _filter_form(request, access)
    page, groups = patient.results_page(
        access=access,
        actor=request.user,  # type: ignore[arg-type]
        filters=form.filters(),
        page_number=request.GET.get("page"),
    )
    language = get_language()
    for group in groups:
        for line in group.results:
            line.item.explanation = explain(line.item.code)  # type: ignore[attr-defined]
    context = {"access": access, "form": form, "groups": groups, "page": page, "language": language}
    return render(request, "records/results.html", context, status=400 if form.errors else 200)


@patient_view(Action.RECORDS)
def result_trend(request: HttpRequest, access: Access, code: str) -> HttpResponse:
    """Every value of the test with this code (the briefing links here)."""
    if not fits(RecordItem, "code", code) or "\x00" in code:
        # No result has a code longer than the column, or holding NUL (PostgreSQL refuses it in
        # text); asking PostgreSQL would be an error (500).
        raise Http404
    return _trend(request, access, patient.TrendOf(code))


@patient_view(Action.RECORDS)
def result_item_trend(request: HttpRequest, access: Access, item_id: int) -> HttpResponse:
    """Every value of the test this result measures: keyed by the result, so any code works
    (one with "/", or none at all when the source named the test only in text)."""
    test = patient.test_of(access=access, item_id=item_id)
    if test is None:
        raise Http404
    return _trend(request, access, test)


def _trend(request: HttpRequest, access: Access, test: patient.TrendOf) -> HttpResponse:
    lines = patient.trend(access=access, actor=request.user, test=test)  # type: ignore[arg-type]
    if not lines:
        raise Http404
    points = [line.item for line in lines]
    latest = points[-1]
    chart, caption = result_trend_chart(test.code, points)
    explanation = explain(test.code)
    context = {
        "access": access,
        "points": points,
        "lines": lines,
        "latest": latest,
        "chart": chart,
        "chart_title": _("%(name)s: %(n)s values over time. The table below lists them.")
        % {"name": explanation.text("name", get_language()) if explanation else latest.display, "n": len(points)},
        "caption": caption,
        "explanation": explanation,
        "language": get_language(),
    }
    return render(request, "records/trend.html", context)


@patient_view(Action.RECORDS)
def item_list(request: HttpRequest, access: Access, page: str) -> HttpResponse:
    if page not in LIST_PAGES:
        raise Http404
    kind, title, text = LIST_PAGES[page]
    form = _filter_form(request, access)
    lines = patient.item_page(
        access=access,
        actor=request.user,  # type: ignore[arg-type]
        kind=kind,
        filters=form.filters(),
        page_number=request.GET.get("page"),
    )
    context = {
        "access": access,
        "form": form,
        "rows": lines.object_list,
        "page": lines,
        "title": title,
        "text": text,
        "slug": page,
        "kind": kind,
    }
    return render(request, "records/list.html", context, status=400 if form.errors else 200)


@patient_view(Action.RECORDS)
def document(request: HttpRequest, access: Access, item_id: int) -> HttpResponse:
    item = patient.item_detail(access=access, actor=request.user, item_id=item_id)  # type: ignore[arg-type]
    if item is None or item.kind not in (Kind.DOCUMENT, Kind.REPORT):
        raise Http404
    return render(request, "records/document.html", {"access": access, "item": item})


@require_POST
@patient_view(Action.RECORDS)
def mark_confidential(request: HttpRequest, access: Access, item_id: int) -> HttpResponse:
    """Staff only (the service refuses anyone else): hide an item from a teen's caregivers, or show it again."""
    confidential = request.POST.get("confidential") == "1"
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("record_overview", kwargs={"patient_id": access.patient.pk})
    try:
        confidentiality.item_set_confidential(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            item_id=item_id,
            confidential=confidential,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect(target)
    messages.success(
        request,
        _("Marked confidential: a teenager's caregivers will not see it.")
        if confidential
        else _("No longer confidential."),
    )
    return redirect(target)


@patient_view(Action.RECORDS)
def release_preferences(request: HttpRequest, access: Access) -> HttpResponse:
    """Only the patient themself (the service answers 404 to caregivers and staff)."""
    if request.method == "POST":
        form = ReleasePreferenceForm(request.POST)
        if form.is_valid():
            released = release.release_preferences_set(
                access=access,
                actor=request.user,  # type: ignore[arg-type]
                chosen=form.cleaned_data["after_review"],
            )
            messages.success(request, _("Your choices are saved."))
            if released:
                messages.info(
                    request,
                    ngettext(
                        "%(n)s result that was waiting for review is now in your record.",
                        "%(n)s results that were waiting for review are now in your record.",
                        released,
                    )
                    % {"n": released},
                )
            return redirect("record_release_preferences", patient_id=access.patient.pk)
    current = release.release_preferences(access=access, actor=request.user)  # type: ignore[arg-type]
    if request.method != "POST":
        form = ReleasePreferenceForm(initial={"after_review": sorted(current.chosen)})
    chosen = set(form["after_review"].value() or [])
    context = {
        "access": access,
        "form": form,
        "categories": [(category, category.key in chosen) for category in release.SENSITIVE_CATEGORIES],
        "waiting": current.waiting,
        "days": release.REVIEW_USUALLY_WITHIN_DAYS,
    }
    return render(request, "records/preferences.html", context, status=400 if form.errors else 200)
