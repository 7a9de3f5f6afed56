"""Billing API for the patient and caregivers with the billing scope: accounts with what is owed,
statements with their lines, payments (pay once per Idempotency-Key) and their receipts, payment
plans, Good Faith Estimates. Every patient is reached through the access policy (another patient's
statement answers 404); staff work from their own pages (404 here). Views parse, call one selector
or service, and shape the answer; every row sent is audited.

Answers: 400 with field errors for bad input (an amount that is not whole cents, zero, negative or
more than is owed); 409 when an Idempotency-Key already paid with other details."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.api.serializers import (
    KEY_MAX,
    BillingAccountSerializer,
    BillingEstimateDetailSerializer,
    BillingEstimatePromiseSerializer,
    BillingEstimateRequestSerializer,
    BillingEstimatesSerializer,
    BillingPaymentCreateSerializer,
    BillingPaymentSerializer,
    BillingPlanCreateSerializer,
    BillingPlanSerializer,
    BillingStatementDetailSerializer,
    BillingStatementSerializer,
)
from billing.gateway import CardToken
from billing.models import Account
from billing.selectors import api as selectors
from billing.selectors import patient as patient_selectors
from billing.selectors import patient_estimates
from billing.services import estimates, payments, plans
from portal.access import Access, Action
from portal.api.pagination import PAGE_PARAMETERS, PortalPagination, page_of
from portal.api.permissions import patient_side_access
from portal.models import User
from portal.services.errors import ServiceError

# How a service's field names read in this API's bodies.
PAYMENT_FIELDS = {"amount": "amount_cents", "purpose": "statement"}
PLAN_FIELDS = {"monthly_amount": "monthly_cents"}


def _key_parameter(retry: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotency-Key",
        str,
        OpenApiParameter.HEADER,
        description=f"Up to {KEY_MAX} characters (or send it as the body's `idempotency_key`). {retry}",
    )


def _key(request: Request) -> str | Response:
    """The request's Idempotency-Key (the header, else an `idempotency_key` field of the body), or
    the 400 that says what is wrong with it."""
    body = request.data.get("idempotency_key") if hasattr(request.data, "get") else None
    key = (request.headers.get("Idempotency-Key") or (body if isinstance(body, str) else "")).strip()
    if not key:
        message = _("Send an Idempotency-Key header, so a retry cannot pay twice.")
    elif len(key) > KEY_MAX:
        message = _("The Idempotency-Key header is too long: %(max)s characters at most.") % {"max": KEY_MAX}
    else:
        return key
    return Response({"idempotency_key": [message]}, status=status.HTTP_400_BAD_REQUEST)


def _refused(error: ServiceError, fields: dict[str, str]) -> Response:
    field = fields.get(error.field or "", error.field) or "non_field_errors"
    return Response({field: [error.message]}, status=status.HTTP_400_BAD_REQUEST)


def _listing(view: APIView, request: Request, access: Access, actor: User, rows: Any, shape: type) -> Response:
    """One page of `rows`, each row sent audited."""
    paginator = PortalPagination()
    page: list[Any] = list(paginator.paginate_queryset(rows, request, view) or [])
    selectors.audited(access=access, actor=actor, rows=page)
    return paginator.get_paginated_response(shape(page, many=True).data)


def _account(access: Access, account_id: int) -> Account | Response:
    """One of the patient's accounts named in the body, or the 400 that says it is not."""
    account = selectors.account_of(access=access, account_id=account_id)
    if account is None:
        return Response({"account": [_("Choose one of your accounts.")]}, status=status.HTTP_400_BAD_REQUEST)
    return account


class AccountsView(APIView):
    @extend_schema(responses=BillingAccountSerializer(many=True))
    def get(self, request: Request, patient_id: Any) -> Response:
        """What the patient owes each organization now, with the newest statement, its due date, the
        charges insurance is still working on (not billed) and the active payment plan."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        rows = selectors.accounts(access=access, actor=actor)
        return Response(BillingAccountSerializer(rows, many=True).data)


class StatementsView(APIView):
    @extend_schema(
        responses=page_of(BillingStatementSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="api_v1_patients_billing_statements_list",
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        """The patient's statements, newest first (paginated)."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        return _listing(self, request, access, actor, selectors.statements(access=access), BillingStatementSerializer)


class StatementView(APIView):
    @extend_schema(responses=BillingStatementDetailSerializer)
    def get(self, request: Request, patient_id: Any, statement_id: int) -> Response:
        """One statement with each line in plain parts (charged, insurance paid, adjustments, you
        owe, and why) and the payments toward it."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        found = patient_selectors.statement_detail(access=access, actor=actor, statement_id=statement_id)
        if found is None:
            raise Http404
        return Response(BillingStatementDetailSerializer(found).data)


class PaymentsView(APIView):
    @extend_schema(
        responses=page_of(BillingPaymentSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="api_v1_patients_billing_payments_list",
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        """The patient's payments, newest first (paginated), plan instalments among them."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        return _listing(self, request, access, actor, selectors.payments(access=access), BillingPaymentSerializer)

    @extend_schema(
        request=BillingPaymentCreateSerializer,
        parameters=[_key_parameter("A retry with the same key and details answers 200 with the same payment.")],
        responses={
            201: BillingPaymentSerializer,
            200: BillingPaymentSerializer,
            409: OpenApiResponse(description="This key already paid with other details."),
        },
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """Pay on an account: everything owed, a statement's balance, or a chosen amount in cents
        (more than is owed only where the clinic allows prepayment). The card is the gateway's
        token. One charge per Idempotency-Key, however often it is sent; a declined card answers
        with the payment's status `declined`."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        key = _key(request)
        if isinstance(key, Response):
            return key
        payload = BillingPaymentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        account = _account(access, data["account"])
        if isinstance(account, Response):
            return account
        again = selectors.payment_made_with(access=access, account_id=account.pk, idempotency_key=key)
        try:
            paid = payments.payment_submit(
                access=access,
                actor=actor,
                account_id=account.pk,
                purpose=data["purpose"],
                amount_cents=data.get("amount_cents"),
                statement_id=data.get("statement"),
                idempotency_key=key,
                card=CardToken(token=data["card_token"], last4=data["card_last4"]),
            )
        except payments.KeyReused as error:
            return Response({"idempotency_key": [error.message]}, status=status.HTTP_409_CONFLICT)
        except ServiceError as error:
            return _refused(error, PAYMENT_FIELDS)
        if again:  # the first request's write was audited; this one reads it back
            selectors.audited(access=access, actor=actor, rows=[paid])
        return Response(
            BillingPaymentSerializer(paid).data, status=status.HTTP_200_OK if again else status.HTTP_201_CREATED
        )


class PaymentView(APIView):
    @extend_schema(responses=BillingPaymentSerializer)
    def get(self, request: Request, patient_id: Any, payment_id: int) -> Response:
        """One payment: once paid, its receipt (with a link to the PDF)."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        found = patient_selectors.payment_detail(access=access, actor=actor, payment_id=payment_id)
        if found is None:
            raise Http404
        return Response(BillingPaymentSerializer(found).data)


class PlansView(APIView):
    @extend_schema(
        responses=page_of(BillingPlanSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="api_v1_patients_billing_plans_list",
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        """The patient's payment plans, active and past, newest first, with their instalments."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        return _listing(self, request, access, actor, selectors.plans(access=access), BillingPlanSerializer)

    @extend_schema(request=BillingPlanCreateSerializer, responses={201: BillingPlanSerializer})
    def post(self, request: Request, patient_id: Any) -> Response:
        """Set up a payment plan for an account's whole balance within the clinic's rules (smallest
        monthly amount, most months); one active plan per account."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        payload = BillingPlanCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        account = _account(access, data["account"])
        if isinstance(account, Response):
            return account
        try:
            made = plans.plan_create(
                access=access,
                actor=actor,
                account_id=account.pk,
                monthly_cents=data["monthly_cents"],
                day_of_month=data["day_of_month"],
                card=CardToken(token=data["card_token"], last4=data["card_last4"]),
            )
        except ServiceError as error:
            return _refused(error, PLAN_FIELDS)
        return Response(
            BillingPlanSerializer(selectors.plan(access=access, plan_id=made.pk)).data, status=status.HTTP_201_CREATED
        )


class PlanView(APIView):
    @extend_schema(responses=BillingPlanSerializer)
    def get(self, request: Request, patient_id: Any, plan_id: int) -> Response:
        """One payment plan with its instalments."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        found = selectors.plan(access=access, plan_id=plan_id, actor=actor)
        if found is None:
            raise Http404
        return Response(BillingPlanSerializer(found).data)


class PlanCancelView(APIView):
    @extend_schema(request=None, responses=BillingPlanSerializer)
    def post(self, request: Request, patient_id: Any, plan_id: int) -> Response:
        """Cancel a payment plan: instalments not charged yet are cancelled (again: no change)."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        try:
            plans.plan_cancel(access=access, actor=actor, plan_id=plan_id)
        except ServiceError as error:
            raise Http404 from error
        return Response(BillingPlanSerializer(selectors.plan(access=access, plan_id=plan_id)).data)


class EstimatesView(APIView):
    @extend_schema(responses=BillingEstimatesSerializer, operation_id="api_v1_patients_billing_estimates_list")
    def get(self, request: Request, patient_id: Any) -> Response:
        """Good Faith Estimates issued (newest first), those promised and not issued yet, and the
        priced visits one may ask an estimate for."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        found = patient_estimates.estimates_page(access=access, actor=actor)
        body = {"estimates": found.estimates, "waiting": found.waiting, "priced_visits": found.items}
        return Response(BillingEstimatesSerializer(body, context={"superseded": found.superseded}).data)

    @extend_schema(
        request=BillingEstimateRequestSerializer,
        parameters=[_key_parameter("A retry with the same key answers 200 with the same promise.")],
        responses={201: BillingEstimatePromiseSerializer, 200: BillingEstimatePromiseSerializer},
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """Ask for a Good Faith Estimate of a priced visit, saying there is no insurance or it will
        not be used; issued within 3 business days (at once when the clinic's facts are complete)."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        key = _key(request)
        if isinstance(key, Response):
            return key
        payload = BillingEstimateRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        again = selectors.estimate_requested_with(access=access, idempotency_key=key)
        due = estimates.estimate_request(
            access=access,
            actor=actor,
            item_id=payload.validated_data["item"],
            coverage=payload.validated_data["coverage"],
            idempotency_key=key,
        )
        answer = selectors.estimate_promise(access=access, due_id=due.pk)
        if again:
            selectors.audited(access=access, actor=actor, rows=[due])
        return Response(
            BillingEstimatePromiseSerializer(answer).data,
            status=status.HTTP_200_OK if again else status.HTTP_201_CREATED,
        )


class EstimateView(APIView):
    @extend_schema(responses=BillingEstimateDetailSerializer)
    def get(self, request: Request, patient_id: Any, estimate_id: int) -> Response:
        """One Good Faith Estimate with every element it was issued with."""
        access, actor = patient_side_access(request, patient_id, Action.BILLING)
        found = patient_estimates.estimate_detail(access=access, actor=actor, estimate_id=estimate_id)
        if found is None:
            raise Http404
        return Response(BillingEstimateDetailSerializer(found).data)
