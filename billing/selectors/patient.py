"""Billing reads for the patient and their caregivers with the billing scope, each audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from billing import confidential
from billing.models import (
    Account,
    Charge,
    ChargeLine,
    Instalment,
    LedgerEntry,
    Payment,
    PaymentPlan,
    Statement,
    StatementLine,
)
from billing.services.guest import statement_left_cents
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, Organization, User


@dataclass
class AccountView:
    account: Account
    organization: Organization
    balance_cents: int
    statement: Statement | None
    due_on: date | None
    waiting: list[Charge] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    # The account's active payment plan: the page shows it, and offers no second one.
    plan: PaymentPlan | None = None


@dataclass
class BillingHome:
    accounts: list[AccountView]
    total_cents: int
    insurers: list[str]


def _audit(access: Access, actor: User | None, objects: list[object], action: str = AuditEvent.Action.VIEW) -> None:
    audit.record_list(
        (audit.Line(patient_id=access.patient.pk, obj=obj) for obj in objects),  # type: ignore[arg-type]
        actor=actor,
        acting_as=access.acting_as,
        action=action,
        scope=Action.BILLING,
    )


def billing_home(*, access: Access, actor: User | None) -> BillingHome:
    """What the patient owes now by organization, with due dates, the charges behind it and the
    insurers on file. A constant number of queries."""
    access.require(Action.BILLING, patient_side=True)
    lines = Prefetch("lines", queryset=ChargeLine.objects.order_by("sequence"))
    accounts = list(
        Account.objects.filter(patient=access.patient)
        .select_related("organization")
        .prefetch_related(
            Prefetch("charges", queryset=Charge.objects.prefetch_related(lines).order_by("-service_date", "pk")),
            Prefetch("statements", queryset=Statement.objects.order_by("-issued_on", "-pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("-created_at", "-pk")),
            Prefetch(
                "plans",
                queryset=PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE).order_by("-created_at"),
                to_attr="active_plans",
            ),
        )
        .order_by("organization__name")
    )
    views = []
    insurers: list[str] = []
    confidential.mask_for(access, [charge for account in accounts for charge in account.charges.all()])
    for account in accounts:
        statements = list(account.statements.all())
        charges = list(account.charges.all())
        latest = statements[0] if statements else None
        views.append(
            AccountView(
                account=account,
                organization=account.organization,
                balance_cents=account.balance_cents,
                statement=latest,
                due_on=latest.due_on if latest and account.balance_cents > 0 else None,
                waiting=[c for c in charges if c.status == Charge.Status.WITH_INSURANCE],
                charges=[c for c in charges if c.status != Charge.Status.WITH_INSURANCE],
                payments=list(account.payments.all())[:10],
                plan=account.active_plans[0] if account.active_plans else None,
            )
        )
        # The insurance billing staff put on file first, then the insurers the claims name.
        if account.insurer_name and account.insurer_name not in insurers:
            insurers.append(account.insurer_name)
        for charge in charges:
            if charge.insurer_name and charge.insurer_name not in insurers:
                insurers.append(charge.insurer_name)
    _audit(access, actor, [view.account for view in views])
    return BillingHome(accounts=views, total_cents=sum(max(v.balance_cents, 0) for v in views), insurers=insurers[:5])


def account_for(*, access: Access, account_id: int) -> Account | None:
    access.require(Action.BILLING, patient_side=True)
    return Account.objects.select_related("organization").filter(pk=account_id, patient=access.patient).first()


def statement_detail(
    *, access: Access, actor: User | None, statement_id: int, action: str = AuditEvent.Action.VIEW
) -> Statement | None:
    """A statement with its lines (each with its charge) and payments; audited."""
    access.require(Action.BILLING, patient_side=True)
    statement = (
        Statement.objects.select_related("account__organization")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=StatementLine.objects.select_related("charge_line__charge").order_by(
                    "charge_line__charge__service_date", "charge_line__charge_id", "charge_line__sequence"
                ),
            ),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at")),
        )
        .filter(pk=statement_id, account__patient=access.patient)
        .first()
    )
    if statement is not None:
        confidential.mask_for(access, lines=[line.charge_line for line in statement.lines.all()])
        # What changed since it was issued (payments, credits, refunds), and what is left now: the
        # page and the PDF never show only the amount of the day it was issued.
        statement.since = list(  # type: ignore[attr-defined]
            LedgerEntry.objects.filter(account=statement.account, created_at__gt=statement.created_at)
            .exclude(kind__in=[LedgerEntry.Kind.CHARGE, LedgerEntry.Kind.CHARGE_CORRECTION])
            .order_by("created_at", "pk")
        )
        statement.left_cents = statement_left_cents(statement)  # type: ignore[attr-defined]
        _audit(access, actor, [statement], action)
    return statement


def payment_detail(
    *, access: Access, actor: User | None, payment_id: int, action: str = AuditEvent.Action.VIEW
) -> Payment | None:
    access.require(Action.BILLING, patient_side=True)
    payment = (
        Payment.objects.select_related("account__organization", "statement")
        .filter(pk=payment_id, account__patient=access.patient)
        .first()
    )
    if payment is not None:
        _audit(access, actor, [payment], action)
    return payment


@dataclass
class PlanPage:
    account: Account
    plan: PaymentPlan | None
    instalments: list[Instalment]
    minimum_monthly_cents: int
    maximum_months: int
    paid_cents: int
    past: list[PaymentPlan]


def plan_page(*, access: Access, actor: User | None, account_id: int) -> PlanPage | None:
    """An account's payment plan (the active one, else the latest) with its instalments, and the
    clinic's rules; audited. Four queries."""
    from billing.services.plans import rules_for

    account = account_for(access=access, account_id=account_id)
    if account is None:
        return None
    plans = list(
        PaymentPlan.objects.filter(account=account)
        .prefetch_related(
            Prefetch("instalments", queryset=Instalment.objects.select_related("payment").order_by("number"))
        )
        .order_by("-created_at", "-pk")[:5]
    )
    active = next((plan for plan in plans if plan.status == PaymentPlan.Status.ACTIVE), None)
    shown = active or (plans[0] if plans else None)
    instalments = list(shown.instalments.all()) if shown else []
    rules = rules_for(account.organization_id)
    _audit(access, actor, [account, *([shown] if shown else [])])
    return PlanPage(
        account=account,
        plan=shown,
        instalments=instalments,
        minimum_monthly_cents=rules.minimum_monthly_cents,
        maximum_months=rules.maximum_months,
        paid_cents=sum(i.payment.amount_cents for i in instalments if i.status == Instalment.Status.PAID and i.payment),
        past=[plan for plan in plans if plan is not shown],
    )
