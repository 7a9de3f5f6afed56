"""The patient's home page: a card per section of the navigation the person may see.

Each live section's card comes from its app through the portal's registry (portal/home_cards.py),
so this page imports no app's card code; the sections whose app is not here yet say so."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal import home_cards
from portal.access import Access, Action
from portal.selectors import patient as patient_selectors
from portal.views.decorators import patient_view
from portal.views.patient import SECTIONS


@patient_view(Action.PROFILE)
def patient_home(request: HttpRequest, access: Access) -> HttpResponse:
    patient = patient_selectors.patient_overview(access=access, actor=request.user)  # type: ignore[arg-type]
    request.session["acting_for"] = str(patient.pk)
    content = home_cards.cards_for(access=access, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
    cards = [
        {"slug": slug, "title": title, "text": text, "live": home_cards.is_live(slug), "content": content.get(slug)}
        for slug, (action, title, text) in SECTIONS.items()
        if action in access.scopes
    ]
    context = {"access": access, "patient": patient, "cards": cards}
    return render(request, "summaries/home.html", context)
