"""Billing's tables: accounts, charges built from claims, the ledger, payments and statements."""

from billing.models.accounts import Account
from billing.models.charges import Charge, ChargeLine
from billing.models.estimates import (
    BillingProfile,
    EstimateDue,
    GoodFaithEstimate,
    PriceListItem,
    PriceListService,
    ProviderBillingIdentity,
)
from billing.models.ledger import LedgerEntry
from billing.models.payments import GatewayCharge, Payment
from billing.models.plans import Instalment, PaymentPlan, PlanRules
from billing.models.statements import Statement, StatementLine
from billing.models.webhooks import WebhookEvent

__all__ = [
    "Account",
    "BillingProfile",
    "EstimateDue",
    "GoodFaithEstimate",
    "PriceListItem",
    "PriceListService",
    "ProviderBillingIdentity",
    "Charge",
    "ChargeLine",
    "GatewayCharge",
    "Instalment",
    "LedgerEntry",
    "Payment",
    "PaymentPlan",
    "PlanRules",
    "Statement",
    "StatementLine",
    "WebhookEvent",
]
