"""The clinician's pre-visit briefing of one visit, under /staff/summaries/: opened from the staff
schedule (the link comes through portal/visit_links.py). Care team or clinic staff with the records
action; anyone else gets 404. A page never waits for a build: one not built yet is asked of a
worker and the page says so, reloading itself (htmx) until it is there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from portal.access import Action, access_patient
from portal.views.decorators import staff_view
from summaries.selectors import staff as staff_selectors
from summaries.services import previsit as previsit_service

# Seconds between the page's checks while the briefing is being prepared.
POLL_SECONDS = 3


@require_GET
@staff_view
def previsit(request: HttpRequest, appointment_id: int) -> HttpResponse:
    patient_id = staff_selectors.visit_patient_id(appointment_id)
    access = access_patient(request.user, patient_id, Action.RECORDS)
    shown = staff_selectors.previsit_for(access=access, actor=request.user, appointment_id=appointment_id)  # type: ignore[arg-type]
    if not shown.ready:
        previsit_service.request_build(appointment_id)
    context = {"access": access, "patient": access.patient, "briefing": shown, "poll_seconds": POLL_SECONDS}
    response = render(request, "summaries/staff/previsit.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response
