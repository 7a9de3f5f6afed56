"""Staff decisions on a refill request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
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


def _until_visit(days: int) -> str:
    return gettext("%(days)s days until the visit") % {"days": days}


BRIDGE_CHOICES = [("", _("No bridge supply"))] + [(days, lazy(_until_visit, str)(days)) for days in (7, 14, 30, 60, 90)]


class VisitForm(PortalForm):
    note = forms.CharField(label=_("Message for the patient (optional)"), max_length=400, required=False)
    bridge_days_supply = forms.TypedChoiceField(
        label=_("Bridge supply"),
        choices=BRIDGE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Sent to the pharmacy like an approval. Over 30 days, or a prescriber's medicine: prescribers only."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its note sits on the same page as the prescriber form's: ids of its own.
        kwargs.setdefault("auto_id", "id_visit_%s")
        super().__init__(*args, **kwargs)
