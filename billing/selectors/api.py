"""Billing reads for the JSON API (the patient, or a caregiver with the billing scope): scoped by
the access policy, every row handed out audited. Lists are querysets the view pages; `audited`
records the page it sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Count, Model, Prefetch, Q, QuerySet

from billing.models import Account, Charge, EstimateDue, Instalment, Payment, PaymentPlan, Statement
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User

Row = TypeVar("Row", bound=Model)


def audited(*, access: Access, actor: User, rows: Sequence[Row]) -> Sequence[Row]:
    """Record the read of these rows (one statement; none for an empty page); the rows back."""
    audit.record_list(
        (audit.Line(patient_id=access.patient.pk, obj=row) for row in rows),
        actor=actor,
        acting_as=access.acting_as,
        action=AuditEvent.Action.VIEW,
        scope=Action.BILLING,
    )
    return rows


def _scoped(access: Access) -> None:
    access.require(Action.BILLING, patient_side=True)


def accounts(*, access: Access, actor: User) -> list[Account]:
    """The patient's accounts by organization with what is owed, the statements (newest first),
    the active plan and how many charges insurance is still working on. Three queries and the
    audit."""
    _scoped(access)
    waiting = Count("charges", filter=Q(charges__status=Charge.Status.WITH_INSURANCE))
    rows: list[Account] = list(
        Account.objects.filter(patient=access.patient)
        .select_related("organization")
        .annotate(waiting_on_insurance=waiting)
        .prefetch_related(
            Prefetch("statements", queryset=Statement.objects.order_by("-issued_on", "-pk"), to_attr="statement_list"),
            Prefetch(
                "plans", queryset=PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE), to_attr="active_plans"
            ),
        )
        .order_by("organization__name", "pk")
    )
    audited(access=access, actor=actor, rows=rows)
    return rows


def account_of(*, access: Access, account_id: int) -> Account | None:
    """One of the patient's accounts (to pay on or plan for); not audited: the write is."""
    _scoped(access)
    return Account.objects.filter(pk=account_id, patient=access.patient).first()


def statements(*, access: Access) -> QuerySet[Statement]:
    """The patient's statements, newest first (the view pages them and audits the page)."""
    _scoped(access)
    return (
        Statement.objects.filter(account__patient=access.patient)
        .select_related("account__organization")
        .order_by("-issued_on", "-pk")
    )


def payments(*, access: Access) -> QuerySet[Payment]:
    """The patient's payments, newest first (instalments of a plan among them)."""
    _scoped(access)
    return (
        Payment.objects.filter(account__patient=access.patient)
        .select_related("account__organization", "statement")
        .order_by("-created_at", "-pk")
    )


def payment_made_with(*, access: Access, account_id: int, idempotency_key: str) -> bool:
    """Whether this key already paid on the account (a retry answers 200 rather than 201)."""
    _scoped(access)
    return Payment.objects.filter(
        account_id=account_id, account__patient=access.patient, idempotency_key=idempotency_key
    ).exists()


def _plans(access: Access) -> QuerySet[PaymentPlan]:
    return (
        PaymentPlan.objects.filter(account__patient=access.patient)
        .select_related("account__organization")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("number")))
        .order_by("-created_at", "-pk")
    )


def plans(*, access: Access) -> QuerySet[PaymentPlan]:
    """The patient's payment plans (active and past), newest first, each with its instalments."""
    _scoped(access)
    return _plans(access)


def plan(*, access: Access, plan_id: int, actor: User | None = None) -> PaymentPlan | None:
    """One plan with its instalments; audited as a view when `actor` is given (without one it is
    the answer to a write that was audited itself)."""
    _scoped(access)
    found = _plans(access).filter(pk=plan_id).first()
    if found is not None and actor is not None:
        audited(access=access, actor=actor, rows=[found])
    return found


def estimate_promise(*, access: Access, due_id: int) -> EstimateDue | None:
    """A promised estimate, as the answer to the request that made it (audited there)."""
    _scoped(access)
    return (
        EstimateDue.objects.filter(pk=due_id, patient=access.patient)
        .select_related("visit_type", "organization", "estimate")
        .first()
    )


def estimate_requested_with(*, access: Access, idempotency_key: str) -> bool:
    """Whether this key already asked for an estimate (a retry answers 200 rather than 201)."""
    _scoped(access)
    return EstimateDue.objects.filter(patient=access.patient, request_key=idempotency_key.strip()[:64]).exists()
