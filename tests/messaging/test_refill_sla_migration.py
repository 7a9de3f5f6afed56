"""A refill request's answer time is two business days by default: the data migration gives every
configured clinic a "refill" policy (an ordinary row administrators can change), and the demo too."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from messaging.factories import SlaPolicyFactory
from messaging.models import Category, SlaPolicy, Thread
from portal.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("messaging.migrations.0010_refill_sla_two_business_days")


def test_every_configured_clinic_gets_a_two_business_day_refill_policy_once() -> None:
    clinic = OrganizationFactory()
    SlaPolicyFactory(organization=clinic, category=None, urgency=Thread.Urgency.NORMAL, first_response_minutes=480)
    decided = OrganizationFactory()
    SlaPolicyFactory(organization=decided, category=None, urgency=Thread.Urgency.NORMAL, first_response_minutes=480)
    SlaPolicyFactory(
        organization=decided, category=Category.REFILL, urgency=Thread.Urgency.NORMAL, first_response_minutes=240
    )

    migration.add_refill_policies(apps, None)
    migration.add_refill_policies(apps, None)

    refill = SlaPolicy.objects.filter(category=Category.REFILL)
    assert dict(refill.values_list("organization_id", "first_response_minutes")) == {clinic.pk: 960, decided.pk: 240}
