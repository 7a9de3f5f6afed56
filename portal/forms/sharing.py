"""Forms of the sharing pages: inviting a caregiver. Nothing here writes."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from portal.models import Scope


class ProxyInviteForm(PortalForm):
    name = forms.CharField(label=_("Their name"), max_length=200)
    email = forms.EmailField(label=_("Their email address"))
    relationship = forms.CharField(
        label=_("How are they related to you?"),
        max_length=100,
        required=False,
        help_text=_("For example: daughter, husband, friend."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What can they help with?"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing they can help with.")},
    )
    ends_on = forms.DateField(
        label=_("Access ends on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to keep access until you remove it."),
    )

    def clean_ends_on(self) -> Any:
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on is not None and ends_on <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        return ends_on

    def ends_at(self) -> datetime | None:
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on is None:
            return None
        return timezone.make_aware(datetime.combine(ends_on, time.min))

    def invitation(self) -> dict[str, Any]:
        """The cleaned data as `proxies.proxy_invite` takes it."""
        data = self.cleaned_data
        return {
            "email": data["email"],
            "name": data["name"],
            "relationship": data["relationship"],
            "scopes": data["scopes"],
            "ends_at": self.ends_at(),
        }
