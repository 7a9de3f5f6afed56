"""Billing staff's pages under /staff/billing/: balances with ageing, one patient's accounts with
statements, payments and ledger, adjustments and refunds (with reasons, idempotent, audited), and
the day's reconciliation with its CSV. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from billing.forms.staff import AdjustmentForm, CoverageForm, PlanCancelForm, RefundForm
from billing.selectors import staff as selectors
from billing.services import guest, payments, plans, staff
from portal.access import Access, Action
from portal.models import StaffMember, User
from portal.services.errors import ServiceError
from portal.templatetags.dates import date_text
from portal.views.decorators import patient_view, staff_view

billing_staff_page = patient_view(Action.BILLING, staff_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff(request: HttpRequest) -> StaffMember:
    member = selectors.billing_staff(_actor(request))
    if member is None:
        raise Http404
    return member


@staff_view
@require_GET
def balances(request: HttpRequest) -> HttpResponse:
    member = _staff(request)
    rows = selectors.aged_balances(staff=member, actor=_actor(request), now=timezone.now())
    totals = [sum(row.buckets[i] for row in rows) for i in range(4)]
    return render(request, "billing/staff/balances.html", {"rows": rows, "totals": totals, "staff": member})


def _patient_page(
    request: HttpRequest,
    access: Access,
    *,
    adjust: AdjustmentForm | None = None,
    refund: RefundForm | None = None,
    coverage: tuple[int, CoverageForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = selectors.patient_accounts(access=access, actor=_actor(request))
    # Each account's coverage form holds what is on file; the one just refused keeps its errors.
    coverage_forms = {
        account.pk: CoverageForm(
            prefix=f"coverage-{account.pk}",
            initial={
                "coverage": account.coverage,
                "insurer_name": account.insurer_name,
                "member_id": account.insurance_member_id,
                "group_number": account.insurance_group,
            },
        )
        for account in accounts
    }
    refused_title = ""
    if coverage is not None:
        coverage_forms[coverage[0]] = coverage[1]
        refused_title = _("Coverage not saved: check the form")
    for account in accounts:
        account.coverage_form = coverage_forms[account.pk]  # type: ignore[attr-defined]
    context = {
        "access": access,
        "accounts": accounts,
        "adjust_form": adjust or AdjustmentForm(initial={"idempotency_key": payments.new_key(), "direction": "credit"}),
        "refund_form": refund or RefundForm(initial={"idempotency_key": payments.new_key()}),
        "own_organization_id": access.staff_member().organization_id,
        "refused_title": refused_title,
    }
    return render(request, "billing/staff/patient.html", context, status=status)


@billing_staff_page
@require_GET
def patient(request: HttpRequest, access: Access) -> HttpResponse:
    return _patient_page(request, access)


@billing_staff_page
@require_http_methods(["POST"])
def adjust(request: HttpRequest, access: Access, account_id: int) -> HttpResponse:
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            staff.adjustment_post(
                access=access,
                actor=_actor(request),
                account_id=account_id,
                amount_cents=form.signed_cents(),
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ServiceError as error:
            if error.field not in form.fields:
                return _refused(request, access, error)
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The adjustment is on the account."))
            return redirect("billing_staff_patient", patient_id=access.patient.pk)
    return _patient_page(request, access, adjust=form, status=400)


@billing_staff_page
@require_http_methods(["POST"])
def refund(request: HttpRequest, access: Access, payment_id: int) -> HttpResponse:
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            staff.payment_refund(
                access=access,
                actor=_actor(request),
                payment_id=payment_id,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ServiceError as error:
            if error.field not in form.fields:
                return _refused(request, access, error)
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The refund is on its way to the card."))
            return redirect("billing_staff_patient", patient_id=access.patient.pk)
    return _patient_page(request, access, refund=form, status=400)


def _plans_page(
    request: HttpRequest, access: Access, *, form: PlanCancelForm | None = None, status: int = 200
) -> HttpResponse:
    found = selectors.patient_plans(access=access, actor=_actor(request))
    context = {
        "access": access,
        "plans": found,
        "cancel_form": form or PlanCancelForm(),
        "own_organization_id": access.staff_member().organization_id,
    }
    return render(request, "billing/staff/plans.html", context, status=status)


@billing_staff_page
@require_GET
def patient_plans(request: HttpRequest, access: Access) -> HttpResponse:
    return _plans_page(request, access)


@billing_staff_page
@require_http_methods(["POST"])
def plan_cancel(request: HttpRequest, access: Access, plan_id: int) -> HttpResponse:
    form = PlanCancelForm(request.POST)
    if form.is_valid():
        try:
            plans.plan_cancel_by_staff(
                access=access, actor=_actor(request), plan_id=plan_id, reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            if error.field not in form.fields:
                return _refused(request, access, error)
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The plan is cancelled. No more payments will be taken from it."))
            return redirect("billing_staff_plans", patient_id=access.patient.pk)
    return _plans_page(request, access, form=form, status=400)


@billing_staff_page
@require_http_methods(["POST"])
def coverage(request: HttpRequest, access: Access, account_id: int) -> HttpResponse:
    """The patient's coverage and insurance on file for one of the organization's accounts."""
    form = CoverageForm(request.POST, prefix=f"coverage-{account_id}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            staff.coverage_set(
                access=access,
                actor=_actor(request),
                account_id=account_id,
                coverage=data["coverage"],
                insurer_name=data["insurer_name"],
                member_id=data["member_id"],
                group_number=data["group_number"],
            )
        except ServiceError as error:
            if error.field not in form.fields:
                return _refused(request, access, error)
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The coverage on file is saved."))
            return redirect("billing_staff_patient", patient_id=access.patient.pk)
    return _patient_page(request, access, coverage=(account_id, form), status=400)


@billing_staff_page
@require_http_methods(["POST"])
def statement_issue(request: HttpRequest, access: Access, account_id: int) -> HttpResponse:
    """Issue today's statement for one of the organization's accounts, out of the monthly cycle."""
    try:
        issued = staff.statement_issue_now(access=access, actor=_actor(request), account_id=account_id)
    except ServiceError as error:
        return _refused(request, access, error)
    messages.success(
        request,
        _("Statement %(code)s is issued, due %(due)s.") % {"code": issued.code, "due": date_text(issued.due_on)},
    )
    return redirect("billing_staff_patient", patient_id=access.patient.pk)


@billing_staff_page
@require_http_methods(["POST"])
def guest_unlock(request: HttpRequest, access: Access, statement_id: int) -> HttpResponse:
    """Open guest pay again for a statement locked by wrong dates of birth."""
    try:
        guest.statement_guest_unlock(access=access, actor=_actor(request), statement_id=statement_id)
    except ServiceError as error:
        return _refused(request, access, error)
    messages.success(request, _("Guest pay is open again for this statement."))
    return redirect("billing_staff_patient", patient_id=access.patient.pk)


def _refused(request: HttpRequest, access: Access, error: ServiceError) -> HttpResponse:
    # A refusal reads nothing of the patient's accounts: only the reason and the way back.
    context = {"access": access, "message": error.message}
    return render(request, "billing/staff/refused.html", context, status=400)


def _day(request: HttpRequest) -> date:
    try:
        return parse_date(request.GET.get("day", "")) or timezone.localdate()
    except ValueError:
        return timezone.localdate()


@staff_view
@require_GET
def reconciliation(request: HttpRequest) -> HttpResponse:
    member = _staff(request)
    report = selectors.reconciliation(staff=member, actor=_actor(request), day=_day(request))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payments-{report.day.isoformat()}.csv"'
        csv.writer(response).writerows(selectors.csv_rows(report))
        return response
    return render(request, "billing/staff/reconciliation.html", {"report": report, "staff": member})
