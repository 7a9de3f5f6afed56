"""Staff pages for imports from source systems and for uncertain patient matches."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.access import may_register
from portal.services.errors import ServiceError
from portal.views.decorators import View, staff_view
from records.forms.staff_imports import ImportUploadForm, MatchDecisionForm
from records.selectors import staff as staff_selectors
from records.services import reviews, uploads


def registration_view(view: View) -> View:
    """Staff pages for registration work (administrators and the front desk); 404 for anyone else."""

    @staff_view
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_register(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@registration_view
def imports(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = uploads.import_run_upload(
            source=form.cleaned_data["source"],
            upload=form.cleaned_data["file"],
            started_by=request.user,  # type: ignore[arg-type]
            create_missing_patients=form.cleaned_data["create_missing_patients"],
            ndjson=form.is_ndjson(),
        )
        messages.success(request, _("The file was received. The import runs in the background."))
        return redirect("import_run", run_id=run.pk)
    runs = staff_selectors.recent_import_runs()
    return render(
        request, "records/imports/list.html", {"form": form, "runs": runs}, status=400 if form.errors else 200
    )


@registration_view
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    detail = staff_selectors.import_run_detail(run_id)
    if detail is None:
        raise Http404
    run, issues = detail
    template = "records/imports/_progress.html" if request.htmx else "records/imports/run.html"  # type: ignore[attr-defined]
    return render(request, template, {"run": run, "issues": issues})


@registration_view
def matches(request: HttpRequest) -> HttpResponse:
    pending = staff_selectors.pending_match_reviews()
    return render(request, "records/imports/matches.html", {"reviews": pending})


@registration_view
def match_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("import_matches")
    form = MatchDecisionForm(request.POST)
    if form.is_valid():
        try:
            reviews.match_review_decide(
                review_id=review_id,
                actor=request.user,  # type: ignore[arg-type]
                decision=form.cleaned_data["decision"],
                patient_id=form.cleaned_data["patient"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The match was decided."))
    else:
        messages.error(request, _("Choose what to do with this match."))
    return redirect("import_matches")
