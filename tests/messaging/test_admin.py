"""Administrators configure messaging in the Django admin; mistakes are explained, not saved."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.urls import reverse

from messaging.admin import PoolForm, RoutingRuleForm
from messaging.factories import BusinessCalendarFactory, PoolFactory, ThreadFactory
from messaging.models import BusinessCalendar, BusinessHours, Holiday, Pool, SetupAlert, SlaPolicy
from portal.factories import OrganizationFactory, StaffMemberFactory, UserFactory
from portal.models import StaffRole
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return sign_in(client, UserFactory(is_staff=True, is_superuser=True), second_factor=True)


def formset(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{name}": value for name, value in row.items()})
    return data


def calendar_form(organization, hours: list[dict[str, str]], holidays: list[dict[str, str]] = ()) -> dict[str, Any]:
    return {"organization": organization.pk, **formset("hours", hours), **formset("holidays", list(holidays))}


@pytest.mark.parametrize(
    "name",
    [
        "messaging_businesscalendar",
        "messaging_pool",
        "messaging_routingrule",
        "messaging_slapolicy",
        "messaging_setupalert",
    ],
)
def test_every_configuration_page_opens(admin_client, name: str) -> None:
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    if name != "messaging_setupalert":
        assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_a_calendar_with_split_shifts_and_a_holiday_saves(admin_client) -> None:
    organization = OrganizationFactory()
    data = calendar_form(
        organization,
        hours=[
            {"weekday": "0", "opens": "08:00", "closes": "12:00"},
            {"weekday": "0", "opens": "13:00", "closes": "17:00"},
            {"weekday": "5", "opens": "20:00", "closes": "00:00"},
        ],
        holidays=[{"date": "2026-12-25", "name": "Christmas Day"}],
    )

    response = admin_client.post(reverse("admin:messaging_businesscalendar_add"), data)

    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(organization=organization)
    assert list(calendar.hours.values_list("weekday", "opens", "closes")) == [
        (0, time(8), time(12)),
        (0, time(13), time(17)),
        (5, time(20), time(0)),
    ]
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Christmas Day"]


def test_hours_that_close_before_they_open_are_explained(admin_client) -> None:
    data = calendar_form(OrganizationFactory(), hours=[{"weekday": "0", "opens": "17:00", "closes": "08:00"}])

    response = admin_client.post(reverse("admin:messaging_businesscalendar_add"), data)

    assert response.status_code == 200
    assert "Closing time must be after opening time (00:00 means midnight)." in response.content.decode()
    assert BusinessHours.objects.count() == 0


def test_overlapping_hours_in_one_form_are_explained(admin_client) -> None:
    data = calendar_form(
        OrganizationFactory(),
        hours=[
            {"weekday": "0", "opens": "08:00", "closes": "17:00"},
            {"weekday": "0", "opens": "12:00", "closes": "13:00"},
            {"weekday": "1", "opens": "12:00", "closes": "13:00"},
        ],
    )

    response = admin_client.post(reverse("admin:messaging_businesscalendar_add"), data)

    assert response.status_code == 200
    assert response.content.decode().count("These hours overlap other hours on the same day.") == 1
    assert BusinessCalendar.objects.count() == 0


def test_overlap_with_hours_already_saved_is_explained(admin_client) -> None:
    calendar = BusinessCalendarFactory(hours=[])
    saved = BusinessHours.objects.create(calendar=calendar, weekday=0, opens=time(8), closes=time(17))
    data = calendar_form(calendar.organization, hours=[{"weekday": "0", "opens": "16:00", "closes": "18:00"}])
    data.update({"hours-INITIAL_FORMS": "1", "hours-TOTAL_FORMS": "2"})
    data.update({"hours-0-id": str(saved.pk), "hours-0-calendar": str(calendar.pk)})
    data.update({"hours-0-weekday": "0", "hours-0-opens": "08:00", "hours-0-closes": "17:00"})
    data.update({"hours-1-weekday": "0", "hours-1-opens": "16:00", "hours-1-closes": "18:00"})

    response = admin_client.post(reverse("admin:messaging_businesscalendar_change", args=[calendar.pk]), data)

    assert response.status_code == 200
    assert "These hours overlap other hours on the same day." in response.content.decode()
    assert BusinessHours.objects.count() == 1


def test_a_pool_takes_staff_of_its_own_organization_who_answer_messages() -> None:
    organization = OrganizationFactory()
    nurse = StaffMemberFactory(organization=organization, role=StaffRole.NURSE)
    elsewhere = StaffMemberFactory(role=StaffRole.NURSE)
    # Administrators do not work with patients' messages, so they cannot answer them.
    administrator = StaffMemberFactory(organization=organization, role=StaffRole.ADMINISTRATOR)
    data = {"organization": organization.pk, "name": "Triage", "kind": Pool.Kind.NURSE_TRIAGE}

    wrong = PoolForm({**data, "lead": elsewhere.pk, "members": [nurse.pk, administrator.pk]})
    right = PoolForm({**data, "lead": nurse.pk, "members": [nurse.pk]})

    assert set(wrong.errors) == {"lead", "members"}
    assert "Only active staff of this organization who answer messages can be members" in wrong.errors["members"][0]
    assert right.is_valid(), right.errors
    assert list(right.save().members.all()) == [nurse]


def test_a_second_fallback_pool_is_explained() -> None:
    organization = OrganizationFactory()
    PoolFactory(organization=organization, kind=Pool.Kind.FALLBACK)

    form = PoolForm({"organization": organization.pk, "name": "Another", "kind": Pool.Kind.FALLBACK})

    assert form.errors == {"__all__": ["This organization already has a fallback pool."]}


def test_a_rule_routes_to_a_pool_of_its_own_organization() -> None:
    pool = PoolFactory()

    form = RoutingRuleForm({"organization": OrganizationFactory().pk, "category": "refill", "pool": pool.pk})

    assert form.errors == {"pool": ["Choose a pool of the same organization."]}
    assert RoutingRuleForm({"organization": pool.organization.pk, "category": "refill", "pool": pool.pk}).is_valid()


def test_a_second_default_policy_is_explained(admin_client) -> None:
    organization = OrganizationFactory()
    data = {
        "organization": organization.pk,
        "category": "",
        "urgency": "normal",
        "first_response_minutes": "480",
        "at_risk_fraction": "0.75",
    }
    assert admin_client.post(reverse("admin:messaging_slapolicy_add"), data).status_code == 302

    response = admin_client.post(reverse("admin:messaging_slapolicy_add"), {**data, "first_response_minutes": "60"})

    assert "There is already a policy for this category and urgency." in response.content.decode()
    assert SlaPolicy.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [("first_response_minutes", "0"), ("at_risk_fraction", "1.00")])
def test_a_policy_needs_time_and_a_warning_inside_it(admin_client, field: str, value: str) -> None:
    data = {
        "organization": OrganizationFactory().pk,
        "category": "refill",
        "urgency": "normal",
        "first_response_minutes": "480",
        "at_risk_fraction": "0.75",
    }

    response = admin_client.post(reverse("admin:messaging_slapolicy_add"), {**data, field: value})

    assert response.status_code == 200
    assert SlaPolicy.objects.count() == 0


def test_alerts_are_marked_resolved_from_the_list(admin_client) -> None:
    thread = ThreadFactory()
    alert = SetupAlert.objects.create(organization=thread.organization, kind=SetupAlert.Kind.UNROUTED, thread=thread)

    response = admin_client.post(
        reverse("admin:messaging_setupalert_changelist"),
        {"action": "mark_resolved", "_selected_action": [alert.pk]},
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None
