"""The patient's choice to see sensitive results only after their clinician has reviewed them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.access import Access, Action
from portal.forms import PortalForm
from portal.views.decorators import patient_view
from records.services import release


class ReleasePreferenceForm(PortalForm):
    after_review = forms.MultipleChoiceField(
        label=gettext_lazy("See these only after my clinician has reviewed them"),
        choices=[(category.key, category.label) for category in release.SENSITIVE_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@patient_view(Action.RECORDS)
def release_preferences(request: HttpRequest, access: Access) -> HttpResponse:
    """Only the patient themself (the service answers 404 to caregivers and staff)."""
    if request.method == "POST":
        form = ReleasePreferenceForm(request.POST)
        if form.is_valid():
            released = release.release_preferences_set(
                access=access,
                actor=request.user,  # type: ignore[arg-type]
                chosen=form.cleaned_data["after_review"],
            )
            messages.success(request, _("Your choices are saved."))
            if released:
                messages.info(
                    request,
                    ngettext(
                        "%(n)s result that was waiting for review is now in your record.",
                        "%(n)s results that were waiting for review are now in your record.",
                        released,
                    )
                    % {"n": released},
                )
            return redirect("record_release_preferences", patient_id=access.patient.pk)
    current = release.release_preferences(access=access, actor=request.user)  # type: ignore[arg-type]
    if request.method != "POST":
        form = ReleasePreferenceForm(initial={"after_review": sorted(current.chosen)})
    chosen = set(form["after_review"].value() or [])
    context = {
        "access": access,
        "form": form,
        "categories": [(category, category.key in chosen) for category in release.SENSITIVE_CATEGORIES],
        "waiting": current.waiting,
        "days": release.REVIEW_USUALLY_WITHIN_DAYS,
    }
    return render(request, "records/preferences.html", context, status=400 if form.errors else 200)
