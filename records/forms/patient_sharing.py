"""Forms to download the record, make a share link, and open one with the patient's birth date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from records.downloads import SECTION_SLUGS, ExportOptions, section_choices
from records.forms.patient import DateRangeForm

PDF = "pdf"
FHIR = "fhir"


class DownloadForm(DateRangeForm):
    format = forms.ChoiceField(
        label=_("File type"),
        choices=[
            (PDF, _("PDF: to read, print or bring to a visit")),
            (FHIR, _("FHIR file (JSON): for health apps and other clinics' systems")),
        ],
        initial=PDF,
        widget=forms.RadioSelect,
    )
    sections = forms.MultipleChoiceField(
        label=_("What to include"),
        choices=section_choices,
        initial=list(SECTION_SLUGS),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one part of the record.")},
    )
    since = forms.DateField(
        label=_("From (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave both dates empty to include everything."),
    )
    until = forms.DateField(label=_("To (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since = data.get("since")
        if since and since > timezone.localdate():
            self.add_error("since", _("Choose a start date that is not in the future."))
        return data

    def options(self) -> ExportOptions:
        data = self.cleaned_data
        chosen = set(data["sections"])
        return ExportOptions(
            sections=tuple(slug for slug in SECTION_SLUGS if slug in chosen),
            since=data.get("since"),
            until=data.get("until"),
        )


class ShareLinkForm(PortalForm):
    label = forms.CharField(
        label=_("Who is it for?"),
        max_length=200,
        help_text=_("For example: Dr. Patel, heart specialist. Only you see this."),
    )
    sections = forms.MultipleChoiceField(
        label=_("What they can see"),
        choices=section_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one part of your record to share.")},
    )
    days = forms.IntegerField(
        label=_("How many days the link works"),
        min_value=1,
        max_value=30,
        initial=7,
        help_text=_("From 1 to 30 days. You can turn it off sooner."),
        error_messages={
            "min_value": _("Choose from 1 to 30 days."),
            "max_value": _("Choose from 1 to 30 days."),
        },
    )

    def chosen_sections(self) -> list[str]:
        chosen = set(self.cleaned_data["sections"])
        return [slug for slug in SECTION_SLUGS if slug in chosen]


class BirthDateForm(PortalForm):
    birth_date = forms.DateField(
        label=_("The patient's date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}),
        error_messages={
            "required": _("Enter the date of birth of the person who shared this."),
            "invalid": _("Enter a date, for example 1980-02-19."),
        },
    )
