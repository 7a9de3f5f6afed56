"""Forms of the e-visit panel and report (input only: the rules and writes are in the services)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.evisit_rules import short_label
from messaging.models import EvisitClaim
from messaging.selectors.staff_evisit import ReportFilters, Status
from messaging.services.evisit import MAX_ADJUST_MINUTES, REASON_MAX
from portal.forms import PortalForm
from portal.models import StaffMember
from records.forms.patient import DateRangeForm

# The report opens on the last 30 days.
DEFAULT_DAYS = 30
MAX_DAYS = 366


class AdjustForm(PortalForm):
    minutes = forms.IntegerField(
        label=_("Minutes to add"),
        help_text=_("For time away from this page (a phone call, the chart). Use a minus sign to take time away."),
        min_value=-MAX_ADJUST_MINUTES,
        max_value=MAX_ADJUST_MINUTES,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX, "autocomplete": "off"}),
    )

    def clean_minutes(self) -> int:
        minutes: int = self.cleaned_data["minutes"]
        if minutes == 0:
            raise forms.ValidationError(_("Enter a number of minutes other than 0."))
        return minutes


class ConfirmForm(PortalForm):
    code = forms.ChoiceField(label=_("Code"), choices=EvisitClaim.Code.choices)

    def __init__(self, *args: Any, codes: list[str] | None = None, **kwargs: Any) -> None:
        """`codes`: those offered (lowest first), shown with the suggested one first; None for any."""
        super().__init__(*args, **kwargs)
        if codes is not None:
            # A lower code than suggested is a choice the clinician makes on purpose.
            self.fields["code"].choices = [(code, short_label(code)) for code in reversed(codes)]  # type: ignore[attr-defined]


class ReportForm(DateRangeForm):
    since = forms.DateField(label=_("Seven days starting from"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    clinician = forms.TypedChoiceField(label=_("Clinician"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (Status.ALL, _("Suggested and confirmed")),
            (Status.SUGGESTED, _("Suggested, not yet confirmed")),
            (Status.CONFIRMED, _("Confirmed")),
        ],
    )

    def __init__(self, data: Any, *, clinicians: list[StaffMember], everyone: bool) -> None:
        """`everyone`: the report may show every clinician's e-visits at once (billing staff)."""
        today = timezone.localdate()
        initial = {"since": today - timedelta(days=DEFAULT_DAYS), "until": today}
        # Without a query the defaults apply, as if chosen (the form is always bound).
        super().__init__({**{k: v.isoformat() for k, v in initial.items()}, **data.dict()})
        choices = [("", _("Everyone"))] if everyone or len(clinicians) > 1 else []
        self.fields["clinician"].choices = choices + [(c.pk, c.signature) for c in clinicians]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and (until - since).days > MAX_DAYS:
            self.add_error("until", _("Choose at most a year at a time."))
        return data

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        since: date = data["since"]
        until: date = data["until"]
        return ReportFilters(since=since, until=until, clinician=data.get("clinician"), status=data.get("status") or "")
