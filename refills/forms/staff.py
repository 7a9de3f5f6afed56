"""Staff decisions on a refill request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from refills.models import RefillRequest


class ApproveForm(PortalForm):
    days_supply = forms.IntegerField(label=_("Days' supply"), min_value=1, max_value=365)
    refills = forms.IntegerField(label=_("Refills"), min_value=0, max_value=11, initial=0)
    change_note = forms.CharField(
        label=_("What changed (a change goes to the prescriber)"),
        required=False,
        max_length=500,
        help_text=_("Leave empty to approve as asked."),
    )


class DenyForm(PortalForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=RefillRequest.DenialReason.choices, widget=forms.RadioSelect)


class NoteForm(PortalForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
