"""Opening the link in a refill notice: check it, then go to the request page (which checks access
again). The link names ids only; someone else's link opens nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from portal.access import Action, patients_for
from refills.models import RefillRequest
from refills.notifications import MAX_AGE, read_link


@require_GET
@login_required
def notice_link(request: HttpRequest, token: str) -> HttpResponse:
    target = read_link(token)
    if target is None:
        raise Http404
    if target.user_id is not None and target.user_id != request.user.pk:
        return render(request, "messaging/link_not_yours.html", status=403)
    patient_id = (
        RefillRequest.objects.filter(pk=target.request_id, patient__in=patients_for(request.user, Action.REFILLS))
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise Http404
    if target.expired:
        return render(
            request,
            "refills/patient/link_expired.html",
            {"patient_id": patient_id, "max_age_days": MAX_AGE.days},
            status=410,
        )
    return redirect("refills_request", patient_id=patient_id, request_id=target.request_id)
