"""Administrators configure scheduling in the Django admin; mistakes are explained, not saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.factories import StaffMemberFactory, UserFactory
from portal.models import StaffRole
from scheduling.models import AvailabilityException, AvailabilityTemplate, ProviderOffering, VisitType
from tests.conftest import sign_in
from tests.scheduling.conftest import Clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    return sign_in(client, UserFactory(is_staff=True, is_superuser=True), second_factor=True)


@pytest.mark.parametrize(
    "name",
    [
        "scheduling_visittype",
        "scheduling_location",
        "scheduling_availabilitytemplate",
        "scheduling_availabilityexception",
        "scheduling_schedulingsettings",
    ],
)
def test_every_configuration_page_opens(admin_client, clinic: Clinic, name: str) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def hours(clinic: Clinic, provider, **fields: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {
        "provider": str(provider.pk),
        "location": str(clinic.location.pk),
        "weekday": "5",
        "starts": "09:00",
        "ends": "12:00",
        "effective_from": "2026-01-01",
        "effective_until": "",
    }
    data.update(fields)
    return data


def errors(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.context["adminform"].form.errors)


def test_weekly_hours_save_and_mistakes_are_explained(admin_client, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:scheduling_availabilitytemplate_add")

    assert admin_client.post(url, hours(clinic, clinic.dr_kim, effective_until="2026-12-31")).status_code == 302
    overlapping = admin_client.post(url, hours(clinic, clinic.dr_kim, starts="11:00", ends="13:00"))
    backwards = admin_client.post(url, hours(clinic, clinic.dr_lee, starts="12:00", ends="09:00"))
    desk = admin_client.post(url, hours(clinic, clinic.front_desk))
    elsewhere = admin_client.post(url, hours(clinic, StaffMemberFactory(role=StaffRole.PHYSICIAN)))

    assert "These hours overlap other hours of this provider on the same day." in errors(overlapping)
    assert "The end time must be after the start time." in errors(backwards)
    assert "Choose an active physician, nurse or medical assistant." in errors(desk)
    assert "This provider works at another organization." in errors(elsewhere)
    assert AvailabilityTemplate.objects.filter(weekday=5).count() == 1
    # Hours that end before others start, or in another period of dates, do not overlap.
    assert admin_client.post(url, hours(clinic, clinic.dr_kim, starts="12:00", ends="13:00")).status_code == 302
    assert admin_client.post(url, hours(clinic, clinic.dr_kim, effective_from="2027-01-01")).status_code == 302


def visit_type_form(clinic: Clinic, **fields: str) -> dict[str, str]:
    data = {
        "organization": str(clinic.organization.pk),
        "name": "New patient visit",
        "name_es": "Primera visita",
        "duration_minutes": "60",
        "modality": "in_person",
        "is_active": "on",
        "booking_mode": "call",
        "call_reason": "",
        "call_reason_es": "",
        "established_months": "36",
        "max_active_bookings": "1",
        "min_lead_minutes": "120",
        "max_horizon_days": "60",
        "cancel_cutoff_hours": "24",
        "offerings-TOTAL_FORMS": "0",
        "offerings-INITIAL_FORMS": "0",
        "offerings-MIN_NUM_FORMS": "0",
        "offerings-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_a_call_us_visit_type_needs_its_reason(admin_client, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    data = visit_type_form(clinic)
    url = reverse("admin:scheduling_visittype_add")

    refused = admin_client.post(url, data)
    saved = admin_client.post(url, {**data, "call_reason": "we need your records first"})

    assert "Say why patients must call for this visit type." in errors(refused)
    assert saved.status_code == 302
    assert VisitType.objects.get(name="New patient visit").booking_mode == "call"


def test_extra_hours_need_a_location(admin_client, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:scheduling_availabilityexception_add")
    data = {
        "provider": str(clinic.dr_kim.pk),
        "kind": "extra",
        "location": "",
        "starts_at_0": "2026-03-07",
        "starts_at_1": "09:00",
        "ends_at_0": "2026-03-07",
        "ends_at_1": "08:00",
        "reason": "",
    }

    response = admin_client.post(url, data)

    assert "Extra hours need a location." in errors(response)
    assert "The end must be after the start." in errors(response)
    assert AvailabilityException.objects.count() == 0


def _offered_by(clinic: Clinic, provider) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return visit_type_form(
        clinic,
        name="Sick visit",
        booking_mode="book",
        **{
            "offerings-TOTAL_FORMS": "1",
            "offerings-0-provider": str(provider.pk),
            "offerings-0-location": str(clinic.location.pk),
        },
    )


def test_only_the_organizations_clinicians_are_offered_as_providers(admin_client, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    billing = StaffMemberFactory(organization=clinic.organization, role=StaffRole.BILLING)
    administrator = StaffMemberFactory(organization=clinic.organization, role=StaffRole.ADMINISTRATOR)
    cardiologist = StaffMemberFactory(role=StaffRole.PHYSICIAN)

    response = admin_client.get(reverse("admin:scheduling_visittype_change", args=[clinic.follow_up.pk]))

    field = response.context["inline_admin_formsets"][0].formset.empty_form.fields["provider"]
    offered = {int(str(pk)) for pk, _label in field.choices if pk}
    assert offered == {clinic.dr_kim.pk, clinic.dr_lee.pk}
    assert not {billing.pk, administrator.pk, cardiologist.pk, clinic.front_desk.pk} & offered


@pytest.mark.parametrize("who", ["front_desk", "billing", "administrator", "cardiologist"])
def test_a_sick_visit_refuses_staff_who_do_not_see_the_organizations_patients(  # type: ignore[no-untyped-def]
    admin_client, clinic: Clinic, who: str
) -> None:
    provider = {
        "front_desk": clinic.front_desk,
        "billing": StaffMemberFactory(organization=clinic.organization, role=StaffRole.BILLING),
        "administrator": StaffMemberFactory(organization=clinic.organization, role=StaffRole.ADMINISTRATOR),
        "cardiologist": StaffMemberFactory(role=StaffRole.PHYSICIAN),
    }[who]

    response = admin_client.post(reverse("admin:scheduling_visittype_add"), _offered_by(clinic, provider))

    assert errors(response) == ""
    assert response.context["inline_admin_formsets"][0].formset.errors == [
        {"provider": ["Select a valid choice. That choice is not one of the available choices."]}
    ]
    assert not VisitType.objects.filter(name="Sick visit").exists()


def test_a_sick_visit_saves_with_a_clinician_of_its_organization(admin_client, clinic: Clinic) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(reverse("admin:scheduling_visittype_add"), _offered_by(clinic, clinic.dr_kim))

    assert response.status_code == 302, (errors(response), response.context["inline_admin_formsets"][0].formset.errors)
    assert list(ProviderOffering.objects.filter(visit_type__name="Sick visit").values_list("provider", flat=True)) == [
        clinic.dr_kim.pk
    ]


@pytest.mark.parametrize(
    ("role", "elsewhere", "message"),
    [
        (StaffRole.BILLING, False, "Choose an active physician, nurse or medical assistant."),
        (StaffRole.PHYSICIAN, True, "This provider works at another organization."),
    ],
)
def test_the_model_refuses_a_provider_who_cannot_give_the_visit(
    clinic: Clinic, role: str, elsewhere: bool, message: str
) -> None:
    provider = StaffMemberFactory(role=role, **({} if elsewhere else {"organization": clinic.organization}))
    offering = ProviderOffering(provider=provider, visit_type=clinic.follow_up, location=clinic.location)

    with pytest.raises(ValidationError) as refused:
        offering.full_clean()

    assert refused.value.message_dict == {"provider": [message]}
