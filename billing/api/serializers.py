"""Billing API input and output shapes; no logic beyond arranging what the selectors and services
return. Money is integer cents everywhere. Every component is named Billing* (the schema's names
are global: scheduling and refills already have a "Request" and a "status")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

from billing.models import (
    Account,
    EstimateDue,
    GoodFaithEstimate,
    Instalment,
    Payment,
    PaymentPlan,
    PriceListItem,
    Statement,
    StatementLine,
)

# Under $1,000,000.00, as the payment form says.
MAX_CENTS = 99_999_999
KEY_MAX = 64

CENTS_ERRORS: dict[str, str | _StrPromise] = {
    "invalid": _("Send the amount in whole cents, like 2500 for $25.00."),
    "min_value": _("Enter an amount greater than $0.00."),
    "max_value": _("Enter an amount under $1,000,000.00."),
    "max_string_length": _("Send the amount in whole cents, like 2500 for $25.00."),
}
PAYABLE = [
    (Payment.Purpose.FULL, Payment.Purpose.FULL.label),
    (Payment.Purpose.STATEMENT, Payment.Purpose.STATEMENT.label),
    (Payment.Purpose.AMOUNT, Payment.Purpose.AMOUNT.label),
]

# What a patient may say when asking for an estimate (an estimate is for people not using insurance).
ESTIMATE_COVERAGE = [
    (Account.Coverage.UNINSURED, Account.Coverage.UNINSURED.label),
    (Account.Coverage.SELF_PAY, Account.Coverage.SELF_PAY.label),
]


def cents_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_CENTS, error_messages=CENTS_ERRORS, **kwargs)


class BillingOrganizationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BillingAccountSerializer(serializers.ModelSerializer[Account]):
    """What the patient owes one organization now."""

    organization = BillingOrganizationSerializer()
    coverage_label = serializers.CharField(source="get_coverage_display")
    latest_statement = serializers.SerializerMethodField(help_text="The newest statement's id.")
    due_on = serializers.SerializerMethodField(help_text="When the newest statement is due, while something is owed.")
    waiting_on_insurance = serializers.IntegerField(help_text="Charges insurance is still working on (not billed).")
    active_plan = serializers.SerializerMethodField(help_text="The active payment plan's id.")

    class Meta:
        model = Account
        fields = (
            "id",
            "organization",
            "balance_cents",
            "due_on",
            "latest_statement",
            "waiting_on_insurance",
            "active_plan",
            "coverage",
            "coverage_label",
            "insurer_name",
            "paperless",
            "allows_prepayment",
        )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_latest_statement(self, account: Account) -> int | None:
        found = account.statement_list  # type: ignore[attr-defined]  # prefetched by the selector
        return found[0].pk if found else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_due_on(self, account: Account) -> str | None:
        found = account.statement_list  # type: ignore[attr-defined]
        if not found or account.balance_cents <= 0:
            return None
        return serializers.DateField().to_representation(found[0].due_on)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_active_plan(self, account: Account) -> int | None:
        active = account.active_plans  # type: ignore[attr-defined]
        return active[0].pk if active else None


class BillingStatementSerializer(serializers.ModelSerializer[Statement]):
    organization = BillingOrganizationSerializer(source="account.organization")
    pdf = serializers.SerializerMethodField(help_text="The statement as a PDF (signed-in page).")

    class Meta:
        model = Statement
        fields: tuple[str, ...] = (
            "id",
            "code",
            "account",
            "organization",
            "issued_on",
            "due_on",
            "amount_due_cents",
            "pdf",
        )

    def get_pdf(self, statement: Statement) -> str:
        return reverse(
            "billing_statement_pdf",
            kwargs={"patient_id": statement.account.patient_id, "statement_id": statement.pk},
        )


class BillingStatementLineSerializer(serializers.ModelSerializer[StatementLine]):
    """One service, charge -> insurance paid -> adjustments -> you owe, with why."""

    service = serializers.CharField(source="charge_line.service_display")
    service_code = serializers.CharField(source="charge_line.service_code")
    service_date = serializers.DateField(source="charge_line.charge.service_date")
    provider = serializers.CharField(source="charge_line.charge.provider_name")
    insurer = serializers.CharField(source="charge_line.charge.insurer_name")
    charged_cents = serializers.IntegerField(source="charge_line.submitted_cents")
    insurance_paid_cents = serializers.IntegerField(source="charge_line.insurer_paid_cents")
    adjustment_cents = serializers.IntegerField(source="charge_line.adjustment_cents")
    deductible_cents = serializers.IntegerField(source="charge_line.deductible_cents")
    copay_cents = serializers.IntegerField(source="charge_line.copay_cents")
    coinsurance_cents = serializers.IntegerField(source="charge_line.coinsurance_cents")
    not_covered_cents = serializers.IntegerField(source="charge_line.not_covered_cents")
    you_owe_cents = serializers.IntegerField(source="patient_owes_cents")

    class Meta:
        model = StatementLine
        fields = (
            "service",
            "service_code",
            "service_date",
            "provider",
            "insurer",
            "charged_cents",
            "insurance_paid_cents",
            "adjustment_cents",
            "deductible_cents",
            "copay_cents",
            "coinsurance_cents",
            "not_covered_cents",
            "you_owe_cents",
        )


class BillingPaymentSerializer(serializers.ModelSerializer[Payment]):
    """A payment; once paid, its receipt."""

    organization = BillingOrganizationSerializer(source="account.organization")
    status_label = serializers.CharField(source="get_status_display")
    purpose_label = serializers.CharField(source="get_purpose_display")
    receipt_pdf = serializers.SerializerMethodField(
        help_text="The receipt as a PDF (signed-in page); null unless the payment went through."
    )

    class Meta:
        model = Payment
        fields = (
            "id",
            "account",
            "organization",
            "statement",
            "purpose",
            "purpose_label",
            "amount_cents",
            "status",
            "status_label",
            "failure_code",
            "card_last4",
            "refunded_cents",
            "created_at",
            "completed_at",
            "receipt_pdf",
        )

    def get_receipt_pdf(self, payment: Payment) -> str | None:
        if not payment.has_receipt:
            return None
        return reverse(
            "billing_receipt_pdf", kwargs={"patient_id": payment.account.patient_id, "payment_id": payment.pk}
        )


class BillingStatementDetailSerializer(BillingStatementSerializer):
    lines = BillingStatementLineSerializer(many=True)
    payments = BillingPaymentSerializer(many=True)

    class Meta(BillingStatementSerializer.Meta):
        fields = (*BillingStatementSerializer.Meta.fields, "lines", "payments")


class BillingPaymentCreateSerializer(serializers.Serializer[Any]):
    account = serializers.IntegerField(help_text="The account to pay on (one of the patient's).")
    purpose = serializers.ChoiceField(choices=PAYABLE)
    amount_cents = cents_field(required=False, help_text="Only for purpose=amount: what to pay, in cents.")
    statement = serializers.IntegerField(required=False, help_text="Only for purpose=statement: which statement.")
    card_token = serializers.CharField(
        max_length=128, help_text="The gateway's token for the card (from its hosted fields); never the number."
    )
    card_last4 = serializers.RegexField(r"^[0-9]{4}$", help_text="The card's last four digits, for the receipt.")
    idempotency_key = serializers.CharField(
        max_length=KEY_MAX, required=False, help_text="When the Idempotency-Key header cannot be sent."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["purpose"] == Payment.Purpose.AMOUNT and data.get("amount_cents") is None:
            raise serializers.ValidationError({"amount_cents": [_("Enter an amount, like 2500 for $25.00.")]})
        if data["purpose"] == Payment.Purpose.STATEMENT and data.get("statement") is None:
            raise serializers.ValidationError({"statement": [_("Choose one of your statements.")]})
        return data


class BillingInstalmentSerializer(serializers.ModelSerializer[Instalment]):
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = Instalment
        fields = ("number", "due_on", "amount_cents", "status", "status_label", "attempts", "payment")


class BillingPlanSerializer(serializers.ModelSerializer[PaymentPlan]):
    organization = BillingOrganizationSerializer(source="account.organization")
    status_label = serializers.CharField(source="get_status_display")
    instalments = BillingInstalmentSerializer(many=True)

    class Meta:
        model = PaymentPlan
        fields = (
            "id",
            "account",
            "organization",
            "monthly_cents",
            "day_of_month",
            "total_cents",
            "status",
            "status_label",
            "card_last4",
            "created_at",
            "cancelled_at",
            "instalments",
        )


class BillingPlanCreateSerializer(serializers.Serializer[Any]):
    account = serializers.IntegerField(help_text="The account whose whole balance the plan pays.")
    monthly_cents = cents_field(help_text="How much each month, in cents (within the clinic's rules).")
    day_of_month = serializers.IntegerField(
        min_value=1,
        max_value=28,
        error_messages={
            "min_value": _("Choose a day between the 1st and the 28th."),
            "max_value": _("Choose a day between the 1st and the 28th."),
        },
    )
    card_token = serializers.CharField(max_length=128, help_text="The gateway's token for the card.")
    card_last4 = serializers.RegexField(r"^[0-9]{4}$")


class BillingEstimateSerializer(serializers.ModelSerializer[GoodFaithEstimate]):
    organization = BillingOrganizationSerializer()
    superseded = serializers.SerializerMethodField(help_text="A newer version replaces this one.")
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = GoodFaithEstimate
        fields: tuple[str, ...] = (
            "id",
            "number",
            "version",
            "organization",
            "service_date",
            "total_cents",
            "issued_at",
            "superseded",
            "pdf",
        )

    def get_superseded(self, estimate: GoodFaithEstimate) -> bool:
        return estimate.pk in self.context.get("superseded", set())

    def get_pdf(self, estimate: GoodFaithEstimate) -> str:
        return reverse("billing_estimate_pdf", kwargs={"patient_id": estimate.patient_id, "estimate_id": estimate.pk})


class BillingEstimateDetailSerializer(BillingEstimateSerializer):
    content = serializers.SerializerMethodField(
        help_text="Every element the No Surprises Act requires, as issued (patient, services with codes and "
        "charges, providers with NPI, TIN and location, services scheduled separately, disclaimers)."
    )

    class Meta(BillingEstimateSerializer.Meta):
        fields = (*BillingEstimateSerializer.Meta.fields, "content")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_content(self, estimate: GoodFaithEstimate) -> Any:
        return estimate.content


class BillingEstimatePromiseSerializer(serializers.ModelSerializer[EstimateDue]):
    """An estimate promised by a deadline (issued: `estimate` names it)."""

    visit = serializers.CharField(source="visit_type.label")
    reason_label = serializers.CharField(source="get_reason_display")

    class Meta:
        model = EstimateDue
        fields = ("id", "visit", "reason", "reason_label", "requested_at", "due_at", "estimate")


class BillingPricedVisitSerializer(serializers.ModelSerializer[PriceListItem]):
    visit = serializers.CharField(source="visit_type.label")

    class Meta:
        model = PriceListItem
        fields = ("id", "visit")


class BillingEstimatesSerializer(serializers.Serializer[Any]):
    estimates = BillingEstimateSerializer(many=True)
    waiting = BillingEstimatePromiseSerializer(many=True, help_text="Promised, not issued yet.")
    priced_visits = BillingPricedVisitSerializer(many=True, help_text="Visits one may ask an estimate for.")


class BillingEstimateRequestSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField(help_text="A priced visit's id (from priced_visits).")
    idempotency_key = serializers.CharField(
        max_length=KEY_MAX, required=False, help_text="When the Idempotency-Key header cannot be sent."
    )
    coverage = serializers.ChoiceField(choices=ESTIMATE_COVERAGE)
