"""Forms of the patient's scheduling pages: a chosen time, a request for a visit staff book, the
waitlist's days, and a note with a late change. The services check the rules; these read input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.services.notes import NOTE_MAX


@dataclass(frozen=True)
class ChosenSlot:
    provider_id: int
    location_id: int
    starts_at: datetime


def slot_value(provider_id: int, location_id: int, starts_at: datetime) -> str:
    """What a time's button sends: provider, location and start (Unix seconds, no zone to misread)."""
    return f"{provider_id}-{location_id}-{int(starts_at.timestamp())}"


class SlotForm(forms.Form):
    slot = forms.CharField(label=_("Time"), max_length=40, error_messages={"required": _("Choose a time.")})

    def clean_slot(self) -> ChosenSlot:
        try:
            provider, location, seconds = (int(part) for part in self.cleaned_data["slot"].split("-"))
            return ChosenSlot(provider, location, datetime.fromtimestamp(seconds, UTC))
        except (ValueError, OverflowError, OSError) as error:
            raise forms.ValidationError(_("Choose one of the times shown.")) from error


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Anything we should know? (optional)"),
        help_text=_("For example, the days and times that suit you."),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestForm(NoteForm):
    note = forms.CharField(
        label=_("What days and times suit you?"),
        help_text=_("The clinic reads this and books a time with you."),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell us which days and times suit you.")},
    )


class DateInput(forms.DateInput):
    input_type = "date"


class WaitlistForm(forms.Form):
    earliest = forms.DateField(label=_("From"), widget=DateInput, error_messages={"required": _("Choose a first day.")})
    latest = forms.DateField(label=_("Until"), widget=DateInput, error_messages={"required": _("Choose a last day.")})
