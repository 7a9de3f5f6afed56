"""Factories for billing's tests: accounts with a balance made through the services."""

from __future__ import annotations

from datetime import date

import factory

from billing.models import Account
from billing.services.charges import charge_self_pay_create
from portal.factories import OrganizationFactory, PatientFactory


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    class Meta:
        model = Account

    patient = factory.SubFactory(PatientFactory)
    organization = factory.SubFactory(OrganizationFactory)


def account_owing(cents: int, *, account: Account | None = None, reference: str = "visit-1") -> Account:
    """An account that owes `cents` through a self-pay charge (the ledger's way, not a stored number)."""
    account = account or AccountFactory.create()
    charge_self_pay_create(
        patient_id=account.patient_id,
        organization_id=account.organization_id,
        service_display="Office visit",
        amount_cents=cents,
        service_date=date(2026, 11, 20),
        reference=reference,
    )
    account.refresh_from_db()
    return account
