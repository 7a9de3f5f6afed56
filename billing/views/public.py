"""Guest pay, for anyone with a paper statement (no sign-in), under /billing/guest/: the statement
code and the patient's date of birth open that statement's balance (remembered in the session),
which can be paid; then the receipt. Nothing else of the patient's is shown or reachable."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from billing.forms.public import GuestCodeForm, GuestPayForm
from billing.models import Payment, Statement
from billing.services import guest, payments
from portal.services.errors import InvalidToken, ServiceError

SESSION_KEY = "billing_guest_statement"


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _statement(request: HttpRequest) -> Statement:
    statement = (
        Statement.objects.select_related("account__patient", "account__organization")
        .filter(pk=request.session.get(SESSION_KEY) or 0)
        .first()
    )
    if statement is None or guest.locked_now(statement, timezone.now()):
        raise Http404
    return statement


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if guest.address_blocked():
        message = _("Too many tries from this network. Please wait an hour and try again.")
        return _private(
            render(request, "billing/public/start.html", {"form": GuestCodeForm(), "blocked": message}, status=429)
        )
    form = GuestCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            statement = guest.guest_open(code=form.cleaned_data["code"], birth_date=form.cleaned_data["birth_date"])
        except InvalidToken as error:
            form.add_error(None, error.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = statement.pk
            return redirect("billing_guest_pay")
    status = 400 if form.errors else 200
    return _private(render(request, "billing/public/start.html", {"form": form}, status=status))


@never_cache
@sensitive_post_parameters("card_number")
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    statement = _statement(request)
    left = guest.statement_left_cents(statement)
    if request.method == "POST":
        form = GuestPayForm(request.POST)
        if form.is_valid():
            try:
                paid = payments.payment_submit(
                    access=guest.guest_access(statement),
                    actor=None,
                    account_id=statement.account_id,
                    purpose=Payment.Purpose.STATEMENT,
                    statement_id=statement.pk,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    card=form.cleaned_data["card_number"],
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                return redirect("billing_guest_receipt", payment_id=paid.pk)
        form.data = {**form.data.dict(), "card_number": ""}  # type: ignore[attr-defined]
    else:
        form = GuestPayForm(initial={"idempotency_key": payments.new_key()})
    context = {"statement": statement, "left": left, "form": form}
    return _private(render(request, "billing/public/pay.html", context, status=400 if form.errors else 200))


@never_cache
@require_http_methods(["GET"])
def receipt(request: HttpRequest, payment_id: int) -> HttpResponse:
    statement = _statement(request)
    payment = Payment.objects.filter(pk=payment_id, statement=statement).select_related("account__organization").first()
    if payment is None:
        raise Http404
    return _private(render(request, "billing/public/receipt.html", {"payment": payment, "statement": statement}))
