"""Forms of the staff scheduling pages: which schedule to show, which visit to book, a time to
book, a mark on a visit, and the reason a request is declined."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from portal.models import StaffMember
from scheduling.models import Appointment, VisitType
from scheduling.services.changes import REASON_MAX

DAY, WEEK = "day", "week"
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ScheduleForm(PortalForm):
    """Whose schedule, from which day, a day or a week (a GET form; anything invalid falls back)."""

    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=StaffMember.objects.none(), empty_label=None, required=False
    )
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT, required=False)
    view = forms.ChoiceField(label=_("Show"), choices=[(DAY, _("One day")), (WEEK, _("A week"))], required=False)

    def __init__(self, data: Any, *, providers: QuerySet[StaffMember], today: date) -> None:
        super().__init__(data or None, initial={"day": today, "view": DAY})
        field = cast(forms.ModelChoiceField, self.fields["provider"])
        field.queryset = providers
        field.label_from_instance = lambda staff: staff.user.get_full_name()  # type: ignore[method-assign,assignment]
        self.today = today

    def choice(self) -> tuple[StaffMember | None, date, str]:
        data = self.cleaned_data if self.is_valid() else {}
        provider = data.get("provider") or next(iter(self.fields["provider"].queryset), None)  # type: ignore[attr-defined]
        return provider, data.get("day") or self.today, data.get("view") or DAY


class VisitChoiceForm(PortalForm):
    """Which visit to find times for, from which day (a GET form)."""

    visit_type = forms.ModelChoiceField(label=_("Visit type"), queryset=VisitType.objects.none())
    first = forms.DateField(label=_("From"), widget=DATE_INPUT, required=False)

    def __init__(self, data: Any, *, visit_types: QuerySet[VisitType]) -> None:
        super().__init__(data)
        cast(forms.ModelChoiceField, self.fields["visit_type"]).queryset = visit_types


class SlotForm(PortalForm):
    """One open time, as the slot list posts it."""

    provider = forms.IntegerField(widget=forms.HiddenInput)
    location = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    visit_type = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MarkForm(PortalForm):
    status = forms.ChoiceField(
        choices=[
            (status, status.label)
            for status in (Appointment.Status.ARRIVED, Appointment.Status.NO_SHOW, Appointment.Status.COMPLETED)
        ]
    )


class DeclineForm(PortalForm):
    reason = forms.CharField(
        label=_("Why not"),
        help_text=_("The patient reads this in their messages."),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
