"""Forms of the staff pages: patient search, a patient's invitation, a guardian's access. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from portal.forms.sharing import ProxyInviteForm


class GuardianGrantForm(ProxyInviteForm):
    """Staff set up a parent's or guardian's access for a child."""

    name = forms.CharField(label=_("Guardian's name"), max_length=200)
    email = forms.EmailField(label=_("Guardian's email address"))
    relationship = forms.CharField(label=_("Relationship to the child"), max_length=100)


class PatientSearchForm(PortalForm):
    q = forms.CharField(label=_("Name or MRN"), required=False, max_length=100)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("q") or "").strip() and not data.get("birth_date") and not self.errors:
            raise forms.ValidationError(_("Enter a name, an MRN or a date of birth."))
        return data


class PatientInviteForm(PortalForm):
    email = forms.EmailField(label=_("Patient's email address"))


class DeskCodeForm(PortalForm):
    """An activation code made at the desk: printed for the patient, or texted to their phone."""

    delivery = forms.ChoiceField(
        label=_("How to give the code"),
        choices=[("print", _("Print it")), ("text", _("Text it to the patient's mobile phone"))],
        widget=forms.RadioSelect,
        initial="print",
    )
    phone = forms.CharField(
        label=_("Patient's mobile phone"),
        max_length=32,
        required=False,
        help_text=_("Only for a text. The text holds the code and the portal's address, nothing else."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery") == "text" and not (data.get("phone") or "").strip():
            self.add_error("phone", _("Enter the patient's mobile number to text the code."))
        return data
