"""The demo's billing stories include a payment plan and a Good Faith Estimate, made once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing.models import GoodFaithEstimate, Instalment, PaymentPlan


@pytest.mark.django_db
def test_the_demo_has_a_plan_and_an_estimate_and_a_second_run_adds_neither() -> None:
    call_command("demo_data", quiet=True)
    call_command("demo_data", quiet=True)

    plan = PaymentPlan.objects.get()
    assert (plan.status, plan.monthly_cents, plan.day_of_month) == ("active", 4_000, 15)
    assert plan.account.patient.mrn == "LPC-100002"
    assert Instalment.objects.filter(plan=plan).count() == 3
    assert GoodFaithEstimate.objects.count() == 1
