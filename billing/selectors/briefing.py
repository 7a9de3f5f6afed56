"""What billing adds to the patient's briefing under "What needs you": a balance due, per
organization, linked to the billing page (one query, for one patient or a batch of patients)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from django.db.models import OuterRef, Subquery

from billing.models import Account, Statement
from billing.money import dollars
from portal.briefing_needs import Need, Source
from portal.models import Scope


def balance_needs(patient_id: UUID | str, *, now: datetime) -> list[Need]:
    return balance_needs_many([str(patient_id)], now=now)[str(patient_id)]


def balance_needs_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    """`balance_needs` for every patient of a batch (one query)."""
    latest_due = Statement.objects.filter(account=OuterRef("pk")).order_by("-issued_on", "-pk").values("due_on")[:1]
    accounts = (
        Account.objects.filter(patient_id__in=list(patient_ids), balance_cents__gt=0)
        .select_related("organization")
        .annotate(due_on=Subquery(latest_due))
        .order_by("organization__name", "pk")
    )
    found: dict[str, list[Need]] = {str(patient_id): [] for patient_id in patient_ids}
    for account in accounts:
        if account.due_on is None:
            continue
        found[str(account.patient_id)].append(
            Need(
                key="balance_due",
                params={"amount": dollars(account.balance_cents), "organization": account.organization.name},
                source=Source(model="billing.Account", id=account.pk, url="billing_home"),
                scope=Scope.BILLING,
                organizations=(account.organization.name,),
                on=account.due_on,
                rank=60,
            )
        )
    return found
