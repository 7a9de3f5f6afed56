"""The patient's billing pages under /p/<patient_id>/billing/, for the patient or a caregiver
with the billing scope: what is owed by organization, statements in plain words and as PDF,
paying (once, however many times the button is pressed) and the receipt. Staff work from their
own pages: 404 here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from billing import receipt_pdf, statement_pdf
from billing.forms.patient import PayForm, PlanForm, QuestionForm
from billing.models import Payment
from billing.money import dollars
from billing.selectors import patient
from billing.services import payments, plans, preferences, questions
from billing.services.guest import statement_left_cents
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError
from portal.templatetags.dates import date_text, datetime_text
from portal.views.decorators import patient_view

billing_page = patient_view(Action.BILLING, patient_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@billing_page
@require_GET
def home(request: HttpRequest, access: Access) -> HttpResponse:
    found = patient.billing_home(access=access, actor=_actor(request))
    return render(request, "billing/patient/home.html", {"access": access, "home": found})


@billing_page
@require_GET
def statement(request: HttpRequest, access: Access, statement_id: int) -> HttpResponse:
    found = patient.statement_detail(access=access, actor=_actor(request), statement_id=statement_id)
    if found is None:
        raise Http404
    return render(request, "billing/patient/statement.html", {"access": access, "statement": found})


@billing_page
@require_GET
def statement_download(request: HttpRequest, access: Access, statement_id: int) -> HttpResponse:
    found = patient.statement_detail(
        access=access, actor=_actor(request), statement_id=statement_id, action=AuditEvent.Action.DOWNLOAD
    )
    if found is None:
        raise Http404
    pdf = statement_pdf.render(statement=found, patient=access.patient, now=timezone.now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{found.code}.pdf"'
    return response


def _statement_label(statement: object) -> str:
    if statement is None:
        return ""
    return _("This statement: %(amount)s, due %(due)s") % {
        "amount": dollars(statement_left_cents(statement)),  # type: ignore[arg-type]
        "due": date_text(statement.due_on),  # type: ignore[attr-defined]
    }


@sensitive_post_parameters("card_number")
@billing_page
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, access: Access, account_id: int) -> HttpResponse:
    account = patient.account_for(access=access, account_id=account_id)
    if account is None:
        raise Http404
    latest = account.statements.order_by("-issued_on", "-pk").first()
    label = _statement_label(latest if latest and statement_left_cents(latest) > 0 else None)
    if request.method == "POST":
        form = PayForm(request.POST, statement_label=label)
        if form.is_valid():
            data = form.cleaned_data
            try:
                paid = payments.payment_submit(
                    access=access,
                    actor=_actor(request),
                    account_id=account.pk,
                    purpose=data["purpose"],
                    amount_cents=data.get("amount_cents"),
                    statement_id=latest.pk if latest and data["purpose"] == Payment.Purpose.STATEMENT else None,
                    idempotency_key=data["idempotency_key"],
                    card=data["card_number"],
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("billing_receipt", patient_id=access.patient.pk, payment_id=paid.pk)
        # The card number is never sent back into the page.
        form.data = {**form.data.dict(), "card_number": ""}  # type: ignore[attr-defined]
    else:
        form = PayForm(
            statement_label=label,
            initial={"idempotency_key": payments.new_key(), "purpose": Payment.Purpose.FULL},
        )
    context = {"access": access, "account": account, "form": form, "owed": dollars(account.balance_cents)}
    return render(request, "billing/patient/pay.html", context, status=400 if form.errors else 200)


@billing_page
@require_GET
def receipt(request: HttpRequest, access: Access, payment_id: int) -> HttpResponse:
    found = patient.payment_detail(access=access, actor=_actor(request), payment_id=payment_id)
    if found is None:
        raise Http404
    secret = ""
    if found.status == Payment.Status.REQUIRES_ACTION:
        # Waiting for the bank: the gateway is asked how it stands now (its secret is never kept).
        settled, secret = payments.payment_refresh(payment_id=found.pk)
        found.status, found.failure_code = settled.status, settled.failure_code
    context = {
        "access": access,
        "payment": found,
        "confirm_secret": secret,
        "stripe_key": settings.STRIPE_PUBLISHABLE_KEY if secret else "",
    }
    return render(request, "billing/patient/receipt.html", context)


@billing_page
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, access: Access) -> HttpResponse:
    """A billing question or a financial assistance request, answered by the billing office."""
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                thread = questions.billing_thread_open(
                    access=access,
                    actor=_actor(request),
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                owner = thread.owner.signature if thread.owner else _("The billing office")
                messages.success(
                    request,
                    _("Your message went to the billing office. %(owner)s answers by %(due)s.")
                    % {"owner": owner, "due": datetime_text(timezone.localtime(thread.first_response_due_at))},
                )
                return redirect("billing_home", patient_id=access.patient.pk)
    else:
        kind = "assistance" if request.GET.get("kind") == "assistance" else "question"
        form = QuestionForm(initial={"kind": kind, "idempotency_key": payments.new_key()[:32]})
    status = 400 if form.errors else 200
    return render(request, "billing/patient/ask.html", {"access": access, "form": form}, status=status)


@billing_page
@require_http_methods(["POST"])
def paperless(request: HttpRequest, access: Access, account_id: int) -> HttpResponse:
    """Paperless statements on or off for one account, then back to the billing page."""
    chosen = request.POST.get("paperless") == "on"
    try:
        preferences.paperless_set(access=access, actor=_actor(request), account_id=account_id, paperless=chosen)
    except ServiceError as error:
        raise Http404 from error
    if chosen:
        messages.success(request, _("Paperless statements are on: we will not mail paper statements."))
    else:
        messages.success(request, _("Paperless statements are off: paper statements will be mailed again."))
    return redirect("billing_home", patient_id=access.patient.pk)


@sensitive_post_parameters("card_number")
@billing_page
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, access: Access, account_id: int) -> HttpResponse:
    """An account's payment plan: set one up within the clinic's rules, see its instalments."""
    found = patient.plan_page(access=access, actor=_actor(request), account_id=account_id)
    if found is None:
        raise Http404
    active = found.plan is not None and found.plan.status == found.plan.Status.ACTIVE
    if request.method == "POST" and not active:
        form = PlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plans.plan_create(
                    access=access,
                    actor=_actor(request),
                    account_id=found.account.pk,
                    monthly_cents=data.get("monthly_cents"),
                    day_of_month=data["day_of_month"],
                    card=data["card_number"],
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Your payment plan is set up. You can cancel it at any time."))
                return redirect("billing_plan", patient_id=access.patient.pk, account_id=found.account.pk)
        form.data = {**form.data.dict(), "card_number": ""}  # type: ignore[attr-defined]
    elif request.method == "POST":
        return redirect("billing_plan", patient_id=access.patient.pk, account_id=found.account.pk)
    else:
        form = PlanForm(initial={"day_of_month": 1})
    context = {
        "access": access,
        "page": found,
        "active": active,
        "form": form,
        "owed": dollars(found.account.balance_cents),
        "minimum": dollars(found.minimum_monthly_cents),
    }
    return render(request, "billing/patient/plan.html", context, status=400 if form.errors else 200)


@billing_page
@require_http_methods(["POST"])
def plan_cancel(request: HttpRequest, access: Access, plan_id: int) -> HttpResponse:
    try:
        cancelled = plans.plan_cancel(access=access, actor=_actor(request), plan_id=plan_id)
    except ServiceError as error:
        raise Http404 from error
    messages.success(request, _("Your payment plan is cancelled. No more payments will be taken from it."))
    return redirect("billing_plan", patient_id=access.patient.pk, account_id=cancelled.account_id)


@billing_page
@require_GET
def receipt_download(request: HttpRequest, access: Access, payment_id: int) -> HttpResponse:
    found = patient.payment_detail(
        access=access, actor=_actor(request), payment_id=payment_id, action=AuditEvent.Action.DOWNLOAD
    )
    # Only money that went through has a receipt; the payment's page says what became of the rest.
    if found is None or not found.has_receipt:
        raise Http404
    pdf = receipt_pdf.render(payment=found, patient=access.patient, now=timezone.now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{found.pk}.pdf"'
    return response
