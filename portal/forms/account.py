"""Forms of the account pages: sign-up's extra fields, preferences, activation. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    full_name = forms.CharField(label=_("Your full name"), max_length=200)

    def signup(self, request: Any, user: Any) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        user.save(update_fields=["full_name", "language"])


class PreferencesForm(PortalForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    notify_by_email = forms.BooleanField(label=_("Email me when something is waiting"), required=False)
    notify_by_sms = forms.BooleanField(label=_("Text me when something is waiting"), required=False)
    notify_briefing = forms.BooleanField(
        label=_("Tell me when my briefing has something new"),
        required=False,
        help_text=_("At most once a day, by the ways chosen above. It never says what is new."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        required=False,
        help_text=_("Texts say only that something is waiting, never health details."),
    )

    def __init__(self, *args: Any, own_briefing: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not own_briefing:
            # A caregiver who is not a patient here has no briefing of their own: their notices
            # are chosen per person they help (BriefingNoticesForm).
            del self.fields["notify_briefing"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("notify_by_sms") and not (data.get("phone") or "").strip():
            self.add_error("phone", _("Add a mobile number to get text messages."))
        return data


class BriefingNoticesForm(PortalForm):
    """A caregiver's notices, per person they help whose record they may read."""

    notify = forms.TypedMultipleChoiceField(
        label=_("Tell me when their briefing has something new"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "At most once a day for each person, by the ways chosen above. "
            "It never says what is new, nor whose briefing it is: you see that after signing in."
        ),
    )

    def __init__(self, *args: Any, grants: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notify"].choices = [(grant.pk, grant.patient.display_name) for grant in grants]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["notify"] = [grant.pk for grant in grants if grant.notify_briefing]


class ActivationCodeForm(PortalForm):
    code = forms.CharField(label=_("Activation code"), max_length=64)
