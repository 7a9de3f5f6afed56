"""The SMART authorize page: which app, what it may read, and whose record to share.

django-oauth-toolkit's AuthorizationView does the OAuth2 work; this adds the choice of
patient (only people the user may see the health record of, as themself or as a
caregiver) and hands it to the validator with the other credentials.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import Application
from oauth2_provider.scopes import get_scopes_backend
from oauth2_provider.views import AuthorizationView

from portal.models import Patient, User
from records.fhir_api.capability import endpoints
from records.fhir_api.selectors import people_to_share


class PersonChoice(forms.ModelChoiceField):
    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Patient) -> str:
        if self.user is not None and obj.user_id == self.user.pk:
            return str(_("%(name)s (you)") % {"name": obj.display_name})
        return obj.display_name


class ShareForm(AllowForm):
    def __init__(self, *args: Any, people: QuerySet[Patient], user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient"] = PersonChoice(
            queryset=people, required=False, widget=forms.RadioSelect, user=user, label=_("Whose record to share")
        )
        only = list(people[:2])
        if len(only) == 1:
            self.fields["patient"].initial = only[0].pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("allow") and cleaned.get("patient") is None:
            self.add_error("patient", _("Choose whose record the app may read."))
        return cleaned


class ConsentView(AuthorizationView):
    template_name = "fhir_api/authorize.html"
    form_class = ShareForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # SMART: the app names the FHIR server it wants (`aud`); a token for another server is refused.
        audience = request.GET.get("aud")
        if audience is not None and audience.rstrip("/") != endpoints(request).base:
            return self.render_to_response({"error": "invalid_audience"}, status=400)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["people"] = people_to_share(self.request.user)
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["application"] = Application.objects.filter(client_id=form["client_id"].value()).first()
        descriptions = get_scopes_backend().get_all_scopes()
        wanted = (form["scope"].value() or "").split()
        context["permissions"] = list(dict.fromkeys(str(descriptions[s]) for s in wanted if s in descriptions))
        return context

    def form_valid(self, form: ShareForm) -> HttpResponse:
        self.chosen_patient = form.cleaned_data.get("patient")
        return super().form_valid(form)

    def create_authorization_response(
        self, request: Any, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> tuple[str, dict[str, str], str, int]:
        patient = getattr(self, "chosen_patient", None)
        if patient is None and allow:
            # Approval without the page (a pre-approved app): only when there is one person to choose.
            people = list(people_to_share(request.user)[:2])
            patient = people[0] if len(people) == 1 else None
            allow = patient is not None
        credentials["smart_patient"] = patient
        return super().create_authorization_response(request, scopes, credentials, allow)
