"""The patient's home page: the briefing first (what changed, what needs you, what is next, the
care team across systems), then a card per section of the navigation the person may see.

Each live section's card comes from its app through the portal's registry (portal/home_cards.py),
so this page imports no app's card code; the sections whose app is not here yet say so. The
briefing is read as stored: a page never waits for a build; while a newer one is being built the
page says "updating" and polls a small fragment that swaps the new one in (htmx)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from portal import home_cards
from portal.access import Access, Action
from portal.selectors import patient as patient_selectors
from portal.views.decorators import patient_view
from portal.views.patient import SECTIONS, section_text
from summaries.selectors import patient as briefing_selectors
from summaries.selectors import welcome as welcome_selectors
from summaries.services import pdf, reading, welcome
from summaries.views.links import VIA_NOTICE

# Seconds between the page's checks for a newer briefing while one is being built.
POLL_SECONDS = 3
# The session's list of patients whose welcome was already decided for this account.
WELCOME_DECIDED = "welcome_decided"


def _via(request: HttpRequest, access: Access) -> str:
    """ "notice" once after the notice's signed link brought this person here (summaries/views/
    links.py); else "" (on their own). A query string cannot claim it."""
    if request.session.get(VIA_NOTICE) == str(access.patient.pk):
        del request.session[VIA_NOTICE]
        return "notice"
    return ""


def _briefing_context(access: Access, briefing: briefing_selectors.ShownBriefing) -> dict[str, object]:
    return {"access": access, "briefing": briefing, "poll_seconds": POLL_SECONDS}


@patient_view(Action.PROFILE)
def patient_home(request: HttpRequest, access: Access) -> HttpResponse:
    patient = patient_selectors.patient_overview(access=access, actor=request.user)  # type: ignore[arg-type]
    request.session["acting_for"] = str(patient.pk)
    briefing = reading.open_briefing(access=access, actor=request.user, page="home", via=_via(request, access))  # type: ignore[arg-type]
    content = home_cards.cards_for(access=access, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
    cards = [
        {
            "slug": slug,
            "title": title,
            "text": section_text(slug, access),
            "live": home_cards.is_live(slug),
            "content": content.get(slug),
        }
        for slug, (action, title, _text) in SECTIONS.items()
        if action in access.scopes
    ]
    context = {
        "patient": patient,
        "cards": cards,
        "welcome": _first_visit(request, access, briefing),
        **_briefing_context(access, briefing),
    }
    return render(request, "summaries/home.html", context)


def _first_visit(request: HttpRequest, access: Access, briefing: briefing_selectors.ShownBriefing) -> object:
    """The welcome, the first time the patient's own account opens this home; None after (the
    session remembers it was decided, so later visits ask the database nothing)."""
    decided = request.session.get(WELCOME_DECIDED, [])
    if access.acting_as != "self" or str(access.patient.pk) in decided:
        return None
    request.session[WELCOME_DECIDED] = [*decided, str(access.patient.pk)]
    if not welcome.show_once(access=access, actor=request.user):  # type: ignore[arg-type]
        return None
    return welcome_selectors.tour(access=access, actor=request.user, briefing=briefing, now=timezone.now())  # type: ignore[arg-type]


@patient_view(Action.PROFILE)
def briefing_page(request: HttpRequest, access: Access) -> HttpResponse:
    briefing = reading.open_briefing(access=access, actor=request.user, page="page", via=_via(request, access))  # type: ignore[arg-type]
    return render(request, "summaries/briefing.html", _briefing_context(access, briefing))


@patient_view(Action.PROFILE)
def briefing_part(request: HttpRequest, access: Access) -> HttpResponse:
    """The page's poll: nothing (204) while the briefing it shows (version `v`) is still being
    rebuilt; the briefing's fragment once a newer one is stored."""
    version, stale = briefing_selectors.current_version(access)
    shown_version = request.GET.get("v", "")
    if stale and shown_version == str(version):
        return HttpResponse(status=204)
    briefing = briefing_selectors.briefing_for(access=access, actor=request.user)  # type: ignore[arg-type]
    return render(request, "summaries/_briefing.html", _briefing_context(access, briefing))


@patient_view(Action.PROFILE)
def briefing_pdf(request: HttpRequest, access: Access) -> HttpResponse:
    document = pdf.briefing_pdf(access=access, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=document.filename)
    patch_cache_control(response, private=True, no_store=True)
    return response
