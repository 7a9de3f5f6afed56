"""Forms for patient-entered data (home readings, corrections); the care team's side is in forms/staff.py.

Each error says what to do, in the person's words; nothing here writes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.forms import PortalForm
from records.models import HomeReading, ReadingThreshold
from records.services import corrections
from records.services.readings import BOUNDS, CLOCK_SLACK

Kind = HomeReading.Kind
Measure = ReadingThreshold.Measure
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _now_to_the_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


def number_input(**attrs: str) -> forms.TextInput:
    """A box for a number: a number keypad on a phone, and what was typed is kept to show with an error
    (a browser's number box would drop "eighty" and scrolling over it would change the value)."""
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false", **attrs})


class ReadingForm(PortalForm):
    """What every kind of reading asks: when it was taken, and an optional note."""

    kind: ClassVar[str]

    taken_at = forms.DateTimeField(
        label=gettext_lazy("When did you take it?"),
        help_text=gettext_lazy("It starts at now. Change it if you took the reading earlier."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        initial=_now_to_the_minute,
        error_messages={
            "required": gettext_lazy("Enter the date and time you took the reading."),
            "invalid": gettext_lazy("Enter the date and time like this: 2026-03-14 08:30."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Anything to add? (optional)"),
        help_text=gettext_lazy("For example: after a walk, felt dizzy, missed my medicine."),
        max_length=300,
        required=False,
        error_messages={"max_length": gettext_lazy("Please keep the note to 300 characters or fewer.")},
    )

    def _within(self, field: str, measure: str, message: str) -> Any:
        """The cleaned number if a home device could show it, else `message` with the bounds."""
        value = self.cleaned_data.get(field)
        low, high = BOUNDS[measure]
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(message % {"low": low, "high": high})
        return value

    def clean_taken_at(self) -> Any:
        taken_at = self.cleaned_data.get("taken_at")
        if taken_at is not None and taken_at > timezone.now() + CLOCK_SLACK:
            raise forms.ValidationError(_("That time is in the future. Enter the date and time you took the reading."))
        return taken_at

    def reading(self) -> dict[str, Any]:
        """The cleaned data as `readings.reading_record` takes it."""
        data = self.cleaned_data
        values: dict[str, Any] = {name: data[name] for name in ("systolic", "diastolic", "value") if name in data}
        return {"kind": self.kind, "taken_at": data["taken_at"], "note": data.get("note", ""), **values}


class BloodPressureForm(ReadingForm):
    kind = Kind.BLOOD_PRESSURE
    field_order = ["systolic", "diastolic", "taken_at", "note"]

    systolic = forms.IntegerField(
        label=gettext_lazy("Top number (systolic), mmHg"),
        widget=number_input(),
        error_messages={
            "required": gettext_lazy("Enter the top number (systolic)."),
            "invalid": gettext_lazy("Enter the top number as a whole number, for example 128."),
        },
    )
    diastolic = forms.IntegerField(
        label=gettext_lazy("Bottom number (diastolic), mmHg"),
        widget=number_input(),
        error_messages={
            "required": gettext_lazy("Enter the bottom number (diastolic)."),
            "invalid": gettext_lazy("Enter the bottom number as a whole number, for example 82."),
        },
    )

    def clean_systolic(self) -> Any:
        return self._within(
            "systolic",
            Measure.SYSTOLIC,
            _("The top number must be between %(low)s and %(high)s. Check the number on your monitor."),
        )

    def clean_diastolic(self) -> Any:
        return self._within(
            "diastolic",
            Measure.DIASTOLIC,
            _("The bottom number must be between %(low)s and %(high)s. Check the number on your monitor."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        systolic, diastolic = data.get("systolic"), data.get("diastolic")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error(
                "diastolic",
                _("The bottom number must be lower than the top number. Check that the two are not swapped."),
            )
        return data


class GlucoseForm(ReadingForm):
    kind = Kind.GLUCOSE
    field_order = ["value", "taken_at", "note"]

    value = forms.IntegerField(
        label=gettext_lazy("Blood sugar, mg/dL"),
        widget=number_input(),
        error_messages={
            "required": gettext_lazy("Enter your blood sugar."),
            "invalid": gettext_lazy("Enter your blood sugar as a whole number, for example 110."),
        },
    )

    def clean_value(self) -> Any:
        value = self._within(
            "value",
            Measure.GLUCOSE,
            _(
                "Blood sugar must be between %(low)s and %(high)s mg/dL. Check the number on your meter. "
                "If your meter shows mmol/L, ask your care team how to enter it."
            ),
        )
        return Decimal(value) if value is not None else None


class WeightForm(ReadingForm):
    kind = Kind.WEIGHT
    field_order = ["value", "taken_at", "note"]

    value = forms.DecimalField(
        label=gettext_lazy("Weight, lb (pounds)"),
        max_digits=5,
        decimal_places=1,
        widget=number_input(inputmode="decimal"),
        error_messages={
            "required": gettext_lazy("Enter your weight."),
            "invalid": gettext_lazy("Enter your weight in pounds, for example 165 or 165.5."),
            "max_decimal_places": gettext_lazy("Use at most one number after the decimal point, for example 165.5."),
            "max_digits": gettext_lazy("Weight must be between 2 and 1000 lb. Check the number on your scale."),
            "max_whole_digits": gettext_lazy("Weight must be between 2 and 1000 lb. Check the number on your scale."),
        },
    )

    def clean_value(self) -> Any:
        return self._within(
            "value",
            Measure.WEIGHT,
            _("Weight must be between %(low)s and %(high)s lb. Check the number on your scale."),
        )


READING_FORMS: dict[str, type[ReadingForm]] = {
    Kind.BLOOD_PRESSURE: BloodPressureForm,
    Kind.GLUCOSE: GlucoseForm,
    Kind.WEIGHT: WeightForm,
}


def note_field(*, label: Any, help_text: Any, required_message: Any, max_length: int, rows: int) -> forms.CharField:
    """A required free-text box in someone's own words, with a length limit that says what was typed."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message,
            "max_length": gettext_lazy(
                "Please keep it to %(limit_value)d characters or fewer (you wrote %(show_value)d)."
            ),
        },
    )


class CorrectionForm(PortalForm):
    text = note_field(
        label=gettext_lazy("What is wrong?"),
        help_text=gettext_lazy(
            "In your own words. For example: I am not allergic to penicillin, or I stopped this medicine in 2023."
        ),
        required_message=gettext_lazy("Tell us what is wrong, in your own words."),
        max_length=corrections.MAX_LENGTH,
        rows=6,
    )
