"""What billing adds to the patient's briefing under "What needs you": a balance due, per
organization, linked to the billing page (one query)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import OuterRef, Subquery

from billing.models import Account, Statement
from billing.money import dollars
from portal.briefing_needs import Need, Source
from portal.models import Scope


def balance_needs(patient_id: UUID | str, *, now: datetime) -> list[Need]:
    latest_due = Statement.objects.filter(account=OuterRef("pk")).order_by("-issued_on", "-pk").values("due_on")[:1]
    accounts = (
        Account.objects.filter(patient_id=patient_id, balance_cents__gt=0)
        .select_related("organization")
        .annotate(due_on=Subquery(latest_due))
        .order_by("organization__name")
    )
    return [
        Need(
            key="balance_due",
            params={"amount": dollars(account.balance_cents), "organization": account.organization.name},
            source=Source(model="billing.Account", id=account.pk, url="billing_home"),
            scope=Scope.BILLING,
            organizations=(account.organization.name,),
            on=account.due_on,
            rank=60,
        )
        for account in accounts
        if account.due_on is not None
    ]
