"""What billing offers the portal: the home card and the briefing's "balance due" line, each only
about what the patient owes and linked to the billing page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import account_owing
from billing.selectors.briefing import balance_needs
from billing.services.statements import statement_issue
from portal.briefing_needs import needs_for
from tests.clock import PINNED
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_balance_with_a_statement_is_a_need_of_the_briefing() -> None:
    account = account_owing(4_200)
    assert balance_needs(account.patient_id, now=PINNED) == []  # no statement yet: nothing is due
    statement = statement_issue(account_id=account.pk)
    assert statement is not None

    (need,) = [n for n in needs_for(account.patient_id, now=PINNED) if n.key == "balance_due"]

    assert need.params == {"amount": "$42.00", "organization": account.organization.name}
    assert (need.source.model, need.source.id, need.source.url) == ("billing.Account", account.pk, "billing_home")
    assert need.on == statement.due_on
    assert need.scope == "billing"


def test_the_home_card_says_what_is_owed_and_links_to_billing() -> None:
    account = account_owing(4_200)
    statement_issue(account_id=account.pk)
    client = sign_in(Client(), account.patient.user)

    page = client.get(reverse("patient_home", args=[account.patient.pk])).content.decode()

    assert "You owe $42.00." in page
    assert reverse("billing_home", args=[account.patient.pk]) in page
