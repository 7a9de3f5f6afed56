"""The patient's Good Faith Estimates under /p/<patient_id>/billing/estimates/: the list with the
request form, one estimate, and its PDF. For the patient or a caregiver with the billing scope."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from billing import estimate_document
from billing.forms.patient import EstimateRequestForm
from billing.selectors import patient_estimates
from billing.services import estimates, payments
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view

billing_page = patient_view(Action.BILLING, patient_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@billing_page
@require_http_methods(["GET", "POST"])
def estimate_list(request: HttpRequest, access: Access) -> HttpResponse:
    status = 200
    if request.method == "POST":
        items = estimates.requestable_items(access.patient)
        form = EstimateRequestForm(request.POST, items=items)
        if form.is_valid():
            try:
                due = estimates.estimate_request(
                    access=access,
                    actor=_actor(request),
                    item_id=form.cleaned_data["item"],
                    coverage=form.cleaned_data["coverage"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if due.estimate_id:
                    messages.success(request, _("Your Good Faith Estimate is ready."))
                    return redirect("billing_estimate", patient_id=access.patient.pk, estimate_id=due.estimate_id)
                messages.success(request, _("We are preparing your estimate. It will be here within 3 business days."))
                return redirect("billing_estimates", patient_id=access.patient.pk)
        status = 400
    page = patient_estimates.estimates_page(access=access, actor=_actor(request))
    if request.method != "POST":
        form = EstimateRequestForm(items=page.items, initial={"idempotency_key": payments.new_key()})
    context = {"access": access, "page": page, "form": form}
    return render(request, "billing/patient/estimates.html", context, status=status)


@billing_page
@require_GET
def estimate(request: HttpRequest, access: Access, estimate_id: int) -> HttpResponse:
    found = patient_estimates.estimate_detail(access=access, actor=_actor(request), estimate_id=estimate_id)
    if found is None:
        raise Http404
    context = {"access": access, "doc": estimate_document.document(found)}
    return render(request, "billing/patient/estimate.html", context)


@billing_page
@require_GET
def estimate_download(request: HttpRequest, access: Access, estimate_id: int) -> HttpResponse:
    found = patient_estimates.estimate_detail(
        access=access, actor=_actor(request), estimate_id=estimate_id, action=AuditEvent.Action.DOWNLOAD
    )
    if found is None:
        raise Http404
    pdf = estimate_document.render_pdf(estimate=found, patient=access.patient, now=timezone.now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="good-faith-estimate-{found.number}.pdf"'
    return response
