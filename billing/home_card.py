"""The Billing card on the patient's home page: what is owed now and the next due date (two
queries: the accounts with their latest statement, and the audit)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery

from billing.models import Account, Statement
from portal import audit
from portal.access import Access
from portal.home_cards import HomeCard
from portal.models import AuditEvent, User


def balance_card(*, access: Access, actor: User, now: datetime) -> HomeCard:
    latest_due = Statement.objects.filter(account=OuterRef("pk")).order_by("-issued_on", "-pk").values("due_on")[:1]
    accounts = list(
        Account.objects.filter(patient=access.patient, balance_cents__gt=0).annotate(due_on=Subquery(latest_due))
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, object_type="billing.HomeCard")
    dues = [account.due_on for account in accounts if account.due_on is not None]
    return HomeCard(
        "billing/patient/_home_card.html",
        {
            "patient": access.patient,
            "owed_cents": sum(account.balance_cents for account in accounts),
            "due_on": min(dues) if dues else None,
        },
    )
