"""Forms for the portal core. Labels and errors are translatable; nothing here writes."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Scope


class PortalForm(forms.Form):
    """The portal's base form.

    It used to point each refused input's aria-describedby at "<id>_errors" itself, replacing what
    Django (5.2) already writes: aria-invalid and aria-describedby="<id>_helptext <id>_error". Two
    spellings of one id meant forms not built on this class pointed at nothing. Now Django's ids
    are the only ones, and templates/components/field.html gives its hint and errors exactly those.
    """


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    full_name = forms.CharField(label=_("Your full name"), max_length=200)

    def signup(self, request: Any, user: Any) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        user.save(update_fields=["full_name", "language"])


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


class GuardianGrantForm(ProxyInviteForm):
    """Staff set up a parent's or guardian's access for a child."""

    name = forms.CharField(label=_("Guardian's name"), max_length=200)
    email = forms.EmailField(label=_("Guardian's email address"))
    relationship = forms.CharField(label=_("Relationship to the child"), max_length=100)


class PreferencesForm(PortalForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    notify_by_email = forms.BooleanField(label=_("Email me when something is waiting"), required=False)
    notify_by_sms = forms.BooleanField(label=_("Text me when something is waiting"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        required=False,
        help_text=_("Texts say only that something is waiting, never health details."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("notify_by_sms") and not (data.get("phone") or "").strip():
            self.add_error("phone", _("Add a mobile number to get text messages."))
        return data


class OtpCodeForm(PortalForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class ActivationCodeForm(PortalForm):
    code = forms.CharField(label=_("Activation code"), max_length=64)


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
