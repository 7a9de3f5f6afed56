"""Staff forms of the records app: releasing a held result, closing a care task, a patient's limits
for home readings. The import and match forms are in forms/staff_imports.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.forms import PortalForm
from records.forms.patient_readings import Measure, note_field, number_input
from records.services.readings import BOUNDS, MEASURE_UNITS, Limits, Origin

COMMENT_MAX = 2000


class ReleaseForm(PortalForm):
    comment = forms.CharField(
        label=gettext_lazy("Comment for the patient (optional)"),
        help_text=gettext_lazy("The patient sees it next to the result."),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )


class TaskDoneForm(PortalForm):
    resolution = note_field(
        label=gettext_lazy("What was done?"),
        help_text=gettext_lazy(
            "For example: called the patient, advised to recheck tomorrow; or: allergy removed at the source."
        ),
        required_message=gettext_lazy("Write what was done before marking the task done."),
        max_length=2000,
        rows=3,
    )


class ThresholdForm(PortalForm):
    """This patient's limits, a low and a high box per measure; an empty box uses the clinic default."""

    def __init__(self, *args: Any, limits: dict[str, Limits], defaults: dict[str, Limits], **kwargs: Any) -> None:
        self.limits, self.defaults = limits, defaults
        initial = {}
        for measure, limit in limits.items():
            for side in ("low", "high"):
                own = getattr(limit, side)
                if own.origin == Origin.PATIENT:
                    initial[f"{measure}_{side}"] = own.value
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for measure in Measure.values:
            for side, label in (("low", gettext_lazy("Low limit")), ("high", gettext_lazy("High limit"))):
                self.fields[f"{measure}_{side}"] = forms.DecimalField(
                    label=label,
                    required=False,
                    max_digits=5,
                    decimal_places=1,
                    widget=number_input(inputmode="decimal"),
                    error_messages={
                        "invalid": gettext_lazy("Enter a number, or leave the box empty."),
                        "max_digits": gettext_lazy("That number is too large."),
                        "max_whole_digits": gettext_lazy("That number is too large."),
                        "max_decimal_places": gettext_lazy("Use at most one number after the decimal point."),
                    },
                )

    def measures(self) -> list[tuple[str, str, str, forms.BoundField, forms.BoundField, Limits]]:
        """(measure, its name, its unit, the low box, the high box, the clinic's limits), for the template."""
        return [
            (
                measure,
                str(label),
                MEASURE_UNITS[measure],
                self[f"{measure}_low"],
                self[f"{measure}_high"],
                self.defaults[measure],
            )
            for measure, label in Measure.choices
        ]

    @property
    def built_in_defaults(self) -> bool:
        """Whether some default is the portal's own, because the clinic has not set one."""
        return any(Origin.BUILT_IN in (limit.low.origin, limit.high.origin) for limit in self.defaults.values())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for measure in Measure.values:
            low_name, high_name = f"{measure}_low", f"{measure}_high"
            bottom, top = BOUNDS[measure]
            for name in (low_name, high_name):
                value = data.get(name)
                if value is not None and not bottom <= value <= top:
                    self.add_error(
                        name, _("Choose a number between %(low)s and %(high)s.") % {"low": bottom, "high": top}
                    )
            if self.has_error(low_name) or self.has_error(high_name):
                continue
            # An empty box falls back to the clinic's number: the pair that will apply must make sense.
            low = data.get(low_name)
            high = data.get(high_name)
            low = low if low is not None else self.defaults[measure].low.value
            high = high if high is not None else self.defaults[measure].high.value
            if low is None or high is None or low < high:
                continue
            if data.get(high_name) is None:
                self.add_error(
                    low_name, _("Choose a number below the clinic's upper limit (%(high)s).") % {"high": high}
                )
            else:
                self.add_error(high_name, _("Choose a number above the lower limit (%(low)s).") % {"low": low})
        return data

    def chosen(self) -> dict[str, tuple[Decimal | None, Decimal | None]]:
        """The cleaned data as `readings.thresholds_set` takes it."""
        return {m: (self.cleaned_data.get(f"{m}_low"), self.cleaned_data.get(f"{m}_high")) for m in Measure.values}
