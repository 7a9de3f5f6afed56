"""The SLA compliance page for staff and administrators: per pool and per person, over a period.

No patient data: counts and times per pool and staff member only, so nothing is audited. Staff
see the organizations they work at; anyone else gets 404 (the staff_view decorator)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from messaging.charts import on_time_bars
from messaging.selectors.staff_metrics import (
    DEFAULT_PERIOD,
    ON_TIME_TARGET,
    PERIODS,
    metrics_organizations,
    sla_compliance,
)
from portal.forms import PortalForm
from portal.views.decorators import staff_view


class PeriodForm(PortalForm):
    days = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(days, days) for days in PERIODS],
        coerce=int,
        required=False,
        error_messages={"invalid_choice": _("Choose 7, 30 or 90 days.")},
    )
    organization = forms.IntegerField(label=_("Organization"), required=False)


@staff_view
@require_GET
def sla_metrics(request: HttpRequest) -> HttpResponse:
    organizations = metrics_organizations(request.user)  # type: ignore[arg-type]
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    days = (valid and form.cleaned_data["days"]) or DEFAULT_PERIOD
    wanted = form.cleaned_data.get("organization") if valid else None
    chosen = next((org for org in organizations if org.pk == wanted), None) if wanted else organizations[0]
    if chosen is None:  # not an organization this person works at: as if it did not exist
        raise Http404
    metrics = sla_compliance(organization=chosen, days=days)
    context = {
        "metrics": metrics,
        "form": form,
        "periods": PERIODS,
        "organizations": organizations,
        "target": ON_TIME_TARGET,
        "chart": on_time_bars(metrics.pools, ON_TIME_TARGET),
    }
    return render(request, "messaging/metrics/page.html", context)
