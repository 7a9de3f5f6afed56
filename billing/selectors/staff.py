"""Billing staff's reads: balances with ageing across their organization's accounts, one
patient's accounts, and the day's payments for reconciliation. Each audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from billing.models import Account, Instalment, LedgerEntry, Payment, PaymentPlan, Statement
from portal import audit
from portal.access import Access, Action, roles_allowing
from portal.models import AuditEvent, StaffMember, User

# Ageing buckets, in days since the charge that is still unpaid.
BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


@dataclass
class AgedAccount:
    account: Account
    buckets: list[int] = field(default_factory=lambda: [0, 0, 0, 0])


def billing_staff(user: User) -> StaffMember | None:
    """The user's active staff role that works at the billing desk (the access policy's roles for
    billing: the billing role)."""
    return (
        StaffMember.objects.filter(user=user, is_active=True, role__in=roles_allowing(Action.BILLING))
        .select_related("organization")
        .order_by("role")
        .first()
    )


def age(entries: list[LedgerEntry], today: date) -> list[int]:
    """What is still owed, by how old its charge is: payments and credits pay the oldest first."""
    credit = -sum(e.amount_cents for e in entries if e.amount_cents < 0)
    buckets = [0, 0, 0, 0]
    for entry in sorted((e for e in entries if e.amount_cents > 0), key=lambda e: (e.created_at, e.pk)):
        paid = min(credit, entry.amount_cents)
        credit -= paid
        left = entry.amount_cents - paid
        days = (today - timezone.localdate(entry.created_at)).days
        for index, (low, high) in enumerate(BUCKETS):
            if days >= low and (high is None or days <= high):
                buckets[index] += left
    return buckets


def aged_balances(*, staff: StaffMember, actor: User, now: datetime, limit: int = 200) -> list[AgedAccount]:
    """Accounts of the staff member's organization that owe something, with ageing. Two queries
    and the audit."""
    accounts = list(
        Account.objects.filter(organization=staff.organization, balance_cents__gt=0)
        .select_related("patient")
        .prefetch_related(Prefetch("entries", queryset=LedgerEntry.objects.order_by("created_at", "pk")))
        .order_by("-balance_cents", "pk")[:limit]
    )
    today = timezone.localdate(now)
    rows = [AgedAccount(account, age(list(account.entries.all()), today)) for account in accounts]
    audit.record_list(
        (audit.Line(patient_id=row.account.patient_id, obj=row.account) for row in rows),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    return rows


def patient_accounts(*, access: Access, actor: User) -> list[Account]:
    """One patient's accounts with statements, payments and ledger rows (for billing staff)."""
    access.require(Action.BILLING, staff_side=True)
    accounts = list(
        Account.objects.filter(patient=access.patient)
        .select_related("organization")
        .prefetch_related(
            Prefetch("statements", queryset=Statement.objects.order_by("-issued_on", "-pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("-created_at", "-pk")),
            Prefetch(
                "entries", queryset=LedgerEntry.objects.select_related("created_by").order_by("-created_at", "-pk")
            ),
        )
        .order_by("organization__name")
    )
    audit.record_list(
        (audit.Line(patient_id=access.patient.pk, obj=account) for account in accounts),
        actor=actor,
        acting_as=access.acting_as,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    return accounts


@dataclass
class Reconciliation:
    day: date
    payments: list[Payment]
    by_status: list[tuple[str, int, int]]  # (status label, count, cents)
    refunded_cents: int


def reconciliation(*, staff: StaffMember, actor: User, day: date) -> Reconciliation:
    """The day's payments at the staff member's organization, by gateway status (clinic time)."""
    zone = timezone.get_current_timezone()
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    payments = list(
        Payment.objects.filter(
            account__organization=staff.organization, created_at__gte=start, created_at__lt=start + timedelta(days=1)
        )
        .select_related("account__patient")
        .order_by("created_at", "pk")
    )
    counts: Counter[str] = Counter()
    cents: Counter[str] = Counter()
    for payment in payments:
        counts[payment.status] += 1
        cents[payment.status] += payment.amount_cents
    labels = dict(Payment.Status.choices)
    audit.record_list(
        (audit.Line(patient_id=payment.account.patient_id, obj=payment) for payment in payments),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    return Reconciliation(
        day=day,
        payments=payments,
        by_status=[(str(labels[s]), counts[s], cents[s]) for s in Payment.Status.values if counts[s]],
        refunded_cents=sum(p.refunded_cents for p in payments),
    )


def csv_rows(report: Reconciliation) -> list[list[Any]]:
    rows: list[list[Any]] = [["payment", "created_at", "mrn", "amount", "status", "gateway", "reference", "refunded"]]
    for p in report.payments:
        rows.append(
            [
                p.pk,
                timezone.localtime(p.created_at).isoformat(),
                p.account.patient.mrn,
                f"{p.amount_cents / 100:.2f}",
                p.status,
                p.gateway,
                p.gateway_reference,
                f"{p.refunded_cents / 100:.2f}",
            ]
        )
    return rows


def patient_plans(*, access: Access, actor: User) -> list[PaymentPlan]:
    """One patient's payment plans, newest first, each with its instalments (three queries and
    the audit)."""
    access.require(Action.BILLING, staff_side=True)
    plans = list(
        PaymentPlan.objects.filter(account__patient=access.patient)
        .select_related("account__organization", "cancelled_by")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .order_by("-created_at", "-pk")
    )
    audit.record_list(
        (audit.Line(patient_id=access.patient.pk, obj=plan) for plan in plans),
        actor=actor,
        acting_as=access.acting_as,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    return plans
