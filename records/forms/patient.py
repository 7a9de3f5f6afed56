"""Forms of the record pages: filters (patients never edit the imported record), and when results are shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from portal.models import Organization
from records.selectors.patient import Filters
from records.services import release


class DateRangeForm(PortalForm):
    """A form with optional `since` and `until` dates; the end may not come before the start."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("Choose an end date after the start date."))
        return data


class RecordFilterForm(DateRangeForm):
    source = forms.ModelChoiceField(
        label=_("Where it came from"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Every source"),
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, sources: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Organization.objects.filter(pk__in=[s.pk for s in sources])  # type: ignore[attr-defined]
        self.fields["source"].choices = [("", _("Every source")), *((s.pk, s.name) for s in sources)]  # type: ignore[attr-defined]

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        source = self.cleaned_data.get("source")
        return Filters(
            source=source.pk if source else None,
            since=self.cleaned_data.get("since"),
            until=self.cleaned_data.get("until"),
        )


class ReleasePreferenceForm(PortalForm):
    after_review = forms.MultipleChoiceField(
        label=gettext_lazy("See these only after my clinician has reviewed them"),
        choices=[(category.key, category.label) for category in release.SENSITIVE_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
