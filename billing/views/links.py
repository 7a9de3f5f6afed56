"""Opening a link from a billing notice: check it, then go to the receipt or the plan page (each
checks access again). The link names ids only; someone else's link opens nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from billing.models import GoodFaithEstimate, Payment, PaymentPlan
from billing.notifications import MAX_AGE, read_link
from portal.access import Action, patients_for


@login_required
def notice_link(request: HttpRequest, token: str) -> HttpResponse:
    target = read_link(token)
    if target is None:
        raise Http404
    if target.user_id is not None and target.user_id != request.user.pk:
        return render(request, "messaging/link_not_yours.html", status=403)
    patients = patients_for(request.user, Action.BILLING)
    if target.what == "receipt":
        row = (
            Payment.objects.filter(pk=target.object_id, account__patient__in=patients)
            .values_list("account__patient_id", "pk")
            .first()
        )
    elif target.what == "estimate":
        row = (
            GoodFaithEstimate.objects.filter(pk=target.object_id, patient__in=patients)
            .values_list("patient_id", "pk")
            .first()
        )
    else:
        row = (
            PaymentPlan.objects.filter(pk=target.object_id, account__patient__in=patients)
            .values_list("account__patient_id", "account_id")
            .first()
        )
    if row is None:
        raise Http404
    patient_id, object_id = row
    if target.expired:
        return render(
            request,
            "billing/patient/link_expired.html",
            {"patient_id": patient_id, "max_age_days": MAX_AGE.days},
            status=410,
        )
    if target.what == "receipt":
        return redirect("billing_receipt", patient_id=patient_id, payment_id=object_id)
    if target.what == "estimate":
        return redirect("billing_estimate", patient_id=patient_id, estimate_id=object_id)
    return redirect("billing_plan", patient_id=patient_id, account_id=object_id)
