"""E-visit pages for staff: the time beat, the panel on a thread (adjust, confirm) and the report.

The panel is an htmx partial for the staff thread page; asked for without htmx it is a page of
its own (the same panel under the site layout), which also serves browsers without JavaScript.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from messaging.forms.staff_evisit import AdjustForm, ConfirmForm, ReportForm
from messaging.selectors import staff_evisit
from messaging.services import evisit
from portal.access import Access
from portal.models import AuditEvent
from portal.services.errors import ServiceError
from portal.views.decorators import staff_view

View = Callable[..., HttpResponse]


def thread_staff_view(view: View) -> View:
    """Staff only, then the access policy for the thread's patient: 404 for anyone else."""

    @staff_view
    @wraps(view)
    def wrapped(request: HttpRequest, thread_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        access = staff_evisit.staff_thread_access(request.user, thread_id)  # type: ignore[arg-type]
        return view(request, access, thread_id, *args, **kwargs)

    return wrapped


@require_POST
@thread_staff_view
def heartbeat(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    try:
        seconds = int(request.POST.get("seconds", ""))
    except ValueError:
        return HttpResponseBadRequest()
    if seconds < 0:
        return HttpResponseBadRequest()
    evisit.record_active_time(access=access, actor=request.user, thread_id=thread_id, seconds=seconds)  # type: ignore[arg-type]
    return HttpResponse(status=204)


def _return_to(request: HttpRequest, thread_id: int) -> str:
    """Where a form posted without htmx goes back to: the page it was on, if ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("evisit_panel", args=[thread_id])


def panel_context(
    request: HttpRequest,
    access: Access,
    thread_id: int,
    *,
    adjust: AdjustForm | None = None,
    confirm: ConfirmForm | None = None,
    done: str = "",
) -> dict[str, Any]:
    """What templates/messaging/evisit/_panel.html needs. The staff thread page may merge it into
    its own context and include the panel, so it shows (and its forms work) without JavaScript."""
    data = staff_evisit.panel(access=access, actor=request.user, thread_id=thread_id)  # type: ignore[arg-type]
    htmx = request.htmx  # type: ignore[attr-defined]
    return {
        "panel": data,
        "suggestion": data.suggestion,
        "thread": data.thread,
        "adjust_form": adjust or AdjustForm(),
        # Offered afresh (the suggested code and the lower ones), with the reason a code was refused.
        "confirm_form": ConfirmForm(codes=data.codes),
        "confirm_errors": confirm.errors.get("code", []) + confirm.non_field_errors() if confirm else [],
        "done": done,
        # Where a form posted without JavaScript comes back to: the page showing the panel.
        "return_to": htmx.current_url_abs_path if htmx and htmx.current_url_abs_path else request.get_full_path(),
    }


def _panel(
    request: HttpRequest,
    access: Access,
    thread_id: int,
    *,
    adjust: AdjustForm | None = None,
    confirm: ConfirmForm | None = None,
    done: str = "",
) -> HttpResponse:
    context = panel_context(request, access, thread_id, adjust=adjust, confirm=confirm, done=done)
    htmx = request.htmx  # type: ignore[attr-defined]
    failed = bool(adjust and adjust.errors) or bool(confirm and confirm.errors)
    template = "messaging/evisit/_panel.html" if htmx else "messaging/evisit/panel_page.html"
    # htmx swaps only 2xx answers: a refused form comes back as 200 with its errors in place.
    return render(request, template, context, status=400 if failed and not htmx else 200)


@require_GET
@thread_staff_view
def panel(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    return _panel(request, access, thread_id)


def _submit(
    request: HttpRequest, access: Access, thread_id: int, form: AdjustForm | ConfirmForm, action: Callable[[], str]
) -> HttpResponse:
    """Run `action` on a valid form; show the panel again with the outcome or the errors."""
    if form.is_valid():
        try:
            done = action()
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, done)
                return redirect(_return_to(request, thread_id))
            return _panel(request, access, thread_id, done=done)
    if isinstance(form, AdjustForm):
        return _panel(request, access, thread_id, adjust=form)
    return _panel(request, access, thread_id, confirm=form)


@require_POST
@thread_staff_view
def adjust(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    form = AdjustForm(request.POST)

    def act() -> str:
        entry = evisit.adjust_time(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            thread_id=thread_id,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        )
        if entry.seconds > 0:
            return _("Added %(minutes)s minutes to your time.") % {"minutes": entry.seconds // 60}
        return _("Took %(minutes)s minutes off your time.") % {"minutes": -entry.seconds // 60}

    return _submit(request, access, thread_id, form, act)


@require_POST
@thread_staff_view
def confirm(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    # Any code may be asked for; the service decides and says why not.
    form = ConfirmForm(request.POST)

    def act() -> str:
        claim = evisit.confirm(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            thread_id=thread_id,
            code=form.cleaned_data["code"],
        )
        return _("Confirmed e-visit %(code)s (%(minutes)s minutes).") % {"code": claim.code, "minutes": claim.minutes}

    return _submit(request, access, thread_id, form, act)


# -- the report ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "period_start",
    "period_end",
    "patient",
    "mrn",
    "thread",
    "category",
    "clinician",
    "minutes",
    "code",
    "status",
    "confirmed_at",
)


@staff_view
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    scope = staff_evisit.report_scope(request.user)  # type: ignore[arg-type]
    clinicians = staff_evisit.report_clinicians(scope)
    form = ReportForm(request.GET, clinicians=clinicians, everyone=bool(scope.billing_organizations))
    csv_wanted = request.GET.get("format") == "csv"
    if not form.is_valid():
        return render(request, "messaging/evisit/report.html", {"form": form, "report": None}, status=400)
    result = staff_evisit.report(
        actor=request.user,  # type: ignore[arg-type]
        scope=scope,
        filters=form.filters(),
        audit_action=AuditEvent.Action.DOWNLOAD if csv_wanted else AuditEvent.Action.VIEW,
    )
    if csv_wanted:
        return _csv(result, form)
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request, "messaging/evisit/report.html", {"form": form, "report": result, "csv_query": query.urlencode()}
    )


def _csv(result: staff_evisit.Report, form: ReportForm) -> HttpResponse:
    filters = form.filters()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="evisits-{filters.since}-{filters.until}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    zone = timezone.get_current_timezone()
    for row in result.rows:
        suggestion, claim, patient = row.suggestion, row.claim, row.thread.patient
        if suggestion.period_start is None or suggestion.period_end is None:  # a report row has its 7 days
            continue
        writer.writerow(
            [
                suggestion.period_start.astimezone(zone).date().isoformat(),
                suggestion.period_end.astimezone(zone).date().isoformat(),
                f"{patient.family_name}, {patient.given_name}",
                patient.mrn,
                row.thread.pk,
                row.thread.category,
                row.clinician.signature if row.clinician else "",
                row.minutes,
                row.code,
                "confirmed" if claim else "suggested",
                claim.confirmed_at.astimezone(zone).isoformat(timespec="minutes") if claim else "",
            ]
        )
    return response
