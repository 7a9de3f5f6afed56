"""Opening the link in a "something new in your briefing" notice: the person it was sent to goes
to the patient's home, and that opening is recorded as coming from the notice."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from portal.access import Action, patients_for
from summaries.services import notices

# The session key the home page reads (once) to record an opening as via=notice.
VIA_NOTICE = "briefing_via_notice"


@login_required
def notice_link(request: HttpRequest, token: str) -> HttpResponse:
    """Ours and for this person: on to the home (whose view checks access again), marked as from
    the notice unless the link is old. Someone else's link opens only their own home, unmarked."""
    target = notices.read_link(token)
    if target is None:
        raise Http404
    if target.user_id != request.user.pk:
        return redirect("home")
    if not patients_for(request.user, Action.PROFILE).filter(pk=target.patient_id).exists():
        # A caregiver whose access ended since: their own home, not a 404.
        return redirect("home")
    if not target.expired:
        request.session[VIA_NOTICE] = target.patient_id
    return redirect("patient_home", patient_id=target.patient_id)
