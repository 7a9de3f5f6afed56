"""Good Faith Estimates: issued to uninsured and self-pay patients when they book a priced visit or
ask, with every element 45 CFR 149.610 requires; deadlines on the clinic's business calendar; kept
as issued; none for an insured patient."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from billing.models import Account, Charge, EstimateDue, GoodFaithEstimate, ProviderBillingIdentity
from billing.services import estimates
from messaging.factories import BusinessCalendarFactory, HolidayFactory
from messaging.models import BusinessCalendar
from portal.access import Action, resolve
from portal.factories import OrganizationFactory, StaffMemberFactory
from portal.models import AuditEvent, StaffRole
from tests.billing.estimate_fixtures import PricedVisit, price_visit
from tests.clock import CLINIC_ZONE, Clock
from tests.conftest import sign_in
from tests.scheduling.conftest import NOW, Clinic, at
from tests.scheduling.conftest import clinic as clinic  # noqa: PLC0414 (the fixture)


@pytest.fixture
def priced(clinic: Clinic) -> PricedVisit:
    return price_visit(clinic.organization, visit_type=clinic.follow_up, clinicians=(clinic.dr_kim, clinic.dr_lee))


def _book(clinic: Clinic, starts_at: datetime, capture: Any) -> Any:
    with capture(execute=True):
        return clinic.book(starts_at)


# Issued on booking, with every required element -------------------------------------------


@pytest.mark.usefixtures("eager_tasks")
def test_an_uninsured_patient_booking_a_priced_visit_gets_an_estimate_with_every_element(
    clinic: Clinic, priced: PricedVisit, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    clock.move_to(NOW, tick=False)  # Monday 2 March 2026, 07:00

    appointment = _book(clinic, at(2026, 3, 16, 9), django_capture_on_commit_callbacks)

    due = EstimateDue.objects.get(appointment=appointment)
    assert due.reason == EstimateDue.Reason.BOOKED
    # 9 business days ahead (3-6 and 9-13 March): within 1 business day, by Tuesday's close.
    assert due.due_at == at(2026, 3, 3, 17)
    estimate = due.estimate
    assert estimate is not None and estimate.version == 1
    content = estimate.content
    patient = clinic.patient
    assert content["patient"] == {
        "name": f"{patient.given_name} {patient.family_name}",
        "birth_date": patient.birth_date.isoformat(),
    }
    assert content["primary_service"]["name"] == "Follow-up visit"
    assert content["primary_service"]["code"] == "99213"
    assert datetime.fromisoformat(content["primary_service"]["starts_at"]) == at(2026, 3, 16, 9)
    assert estimate.service_date.isoformat() == "2026-03-16"
    assert [(i["code"], i["diagnosis_codes"], i["amount_cents"]) for i in content["items"]] == [
        ("99213", ["I10", "E11.9"], 15_000),
        ("36415", [], 2_500),
    ]
    assert content["total_cents"] == estimate.total_cents == 17_500
    assert content["providers"] == [
        {
            "role": "clinician",
            "name": "Grace Kim, MD",
            "npi": "1987654325",
            "tin": "36-1234567",
            "location": "Lakeside main clinic, 100 Lake Street, Chicago, IL 60601",
        },
        {
            "role": "facility",
            "name": "Lakeside Primary Care LLC",
            "npi": "1234567893",
            "tin": "36-1234567",
            "location": "100 Lake Street, Chicago, IL 60601",
        },
    ]
    assert [(s["code"], s["amount_cents"]) for s in content["scheduled_separately"]] == [("80053", 4_000)]
    assert content["dispute_threshold_cents"] == 40_000
    assert (
        AuditEvent.objects.filter(
            object_type="billing.GoodFaithEstimate", object_id=str(estimate.pk), action=AuditEvent.Action.CREATE
        ).count()
        == 1
    )


def test_the_page_and_pdf_show_every_element_and_the_three_disclaimers(
    clinic: Clinic, priced: PricedVisit, client: Any
) -> None:
    access = resolve(clinic.patient.user, clinic.patient, Action.BILLING)
    assert access is not None
    due = estimates.estimate_request(
        access=access, actor=clinic.patient.user, item_id=priced.item.pk, coverage="uninsured", idempotency_key="k1"
    )
    assert due.estimate is not None
    sign_in(client, clinic.patient.user)

    page = client.get(reverse("billing_estimate", args=[clinic.patient.pk, due.estimate.pk]))
    pdf = client.get(reverse("billing_estimate_pdf", args=[clinic.patient.pk, due.estimate.pk]))

    text = page.content.decode()
    patient = clinic.patient
    for expected in (
        patient.given_name,
        patient.family_name,
        "Follow-up visit",
        "99213",
        "I10",
        "36415",
        "$150.00",
        "$25.00",
        "$175.00",
        "Grace" not in text and "Lakeside Primary Care LLC",
        "1234567893",
        "36-1234567",
        "100 Lake Street",
        "80053",
        "Not scheduled yet",
    ):
        assert expected and expected in text
    assert text.count('class="disclaimer"') == 3
    assert 'data-disclaimer="dispute"' in text and "$400.00 or more" in text
    assert 'data-disclaimer="contract"' in text and "not a contract" in text
    assert 'data-disclaimer="additional"' in text
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(
            object_id=str(due.estimate.pk), action=AuditEvent.Action.DOWNLOAD, actor=patient.user
        ).count()
        == 1
    )


def test_a_spanish_speaking_patient_reads_the_services_in_spanish(
    clinic: Clinic, priced: PricedVisit, client: Any
) -> None:
    clinic.patient.preferred_language = "es"
    clinic.patient.save()
    access = resolve(clinic.patient.user, clinic.patient, Action.BILLING)
    assert access is not None
    due = estimates.estimate_request(
        access=access, actor=clinic.patient.user, item_id=priced.item.pk, coverage="self_pay", idempotency_key="k1"
    )
    clinic.patient.user.language = "es"
    clinic.patient.user.save()
    sign_in(client, clinic.patient.user)

    page = client.get(reverse("billing_estimate", args=[clinic.patient.pk, due.estimate_id]))

    assert "Consulta en el consultorio, paciente establecido" in page.content.decode()


# Who gets none ----------------------------------------------------------------------------


@pytest.mark.usefixtures("eager_tasks")
def test_an_insured_patient_gets_no_estimate(
    clinic: Clinic, priced: PricedVisit, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    clock.move_to(NOW, tick=False)
    Account.objects.create(patient=clinic.patient, organization=clinic.organization, coverage="insured")

    _book(clinic, at(2026, 3, 16, 9), django_capture_on_commit_callbacks)
    estimates.estimates_sweep()

    assert EstimateDue.objects.count() == 0
    assert GoodFaithEstimate.objects.count() == 0


@pytest.mark.usefixtures("eager_tasks")
def test_an_insurer_on_file_counts_as_insured_when_the_patient_said_nothing(
    clinic: Clinic, priced: PricedVisit, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    clock.move_to(NOW, tick=False)
    account = Account.objects.create(patient=clinic.patient, organization=OrganizationFactory())
    Charge.objects.create(
        account=account,
        claim_id="c1",
        status=Charge.Status.ADJUDICATED,
        service_date=NOW.date(),
        insurer_name="Blue Lake Health",
        source_hash="x",
    )

    _book(clinic, at(2026, 3, 16, 9), django_capture_on_commit_callbacks)

    assert estimates.coverage_of(patient_id=clinic.patient.pk, organization_id=clinic.organization.pk) == "insured"
    assert EstimateDue.objects.count() == 0


def test_a_visit_type_without_a_price_gets_none(clinic: Clinic, clock: Clock) -> None:
    clock.move_to(NOW, tick=False)
    clinic.book(at(2026, 3, 16, 9))

    assert estimates.estimates_for_bookings() == 0
    assert EstimateDue.objects.count() == 0


# Deadlines on the clinic's business calendar ----------------------------------------------


def _deadline(organization: Any, booked: datetime, visit: datetime | None, reason: str = "booked") -> Any:
    return estimates.deadline_for(organization=organization, reason=reason, requested_at=booked, service_start=visit)


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(CLINIC_ZONE) if moment else None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("booked", "visit", "reason", "due"),
    [
        # Wednesday 9 Dec: 9 business days ahead (10-22 Dec): 1 business day, Thursday's close.
        (at(2026, 12, 9, 10, 30), at(2026, 12, 23, 9), "booked", at(2026, 12, 10, 17)),
        # 10 business days ahead (to 24 Dec): 3 business days, Monday 14 Dec.
        (at(2026, 12, 9, 10, 30), at(2026, 12, 24, 9), "booked", at(2026, 12, 14, 17)),
        # Friday 16:59 for Thursday: 3 business days ahead (Mon-Wed): Monday's close.
        (at(2026, 12, 4, 16, 59), at(2026, 12, 10, 9), "booked", at(2026, 12, 7, 17)),
        # Booked on a Saturday: the next business day is Monday.
        (at(2026, 12, 5, 11), at(2026, 12, 10, 9), "booked", at(2026, 12, 7, 17)),
        # Thanksgiving and the day after are holidays: booked Wednesday, due Monday.
        (at(2026, 11, 25, 9), at(2026, 12, 3, 9), "booked", at(2026, 11, 30, 17)),
        # Only 2 business days ahead: the rule sets no deadline.
        (at(2026, 12, 9, 10, 30), at(2026, 12, 14, 9), "booked", None),
        # Asked on Christmas Eve (Christmas a holiday): 3 business days, Wednesday 30 Dec.
        (at(2026, 12, 24, 9), None, "requested", at(2026, 12, 30, 17)),
        # Asked the Friday before the clocks change: Wednesday's close is 17:00 daylight time.
        (at(2027, 3, 12, 16), None, "requested", at(2027, 3, 17, 17)),
        # Asked for a visit already booked 20 business days ahead: a request is 3 business days.
        (at(2026, 12, 9, 10, 30), at(2027, 1, 12, 9), "requested", at(2026, 12, 14, 17)),
    ],
)
def test_deadlines_count_the_clinics_business_days(
    booked: datetime, visit: datetime | None, reason: str, due: datetime | None
) -> None:
    organization = OrganizationFactory(time_zone="America/Chicago")
    calendar = BusinessCalendarFactory(organization=organization)
    for day in ("2026-11-26", "2026-11-27", "2026-12-25"):
        HolidayFactory(calendar=calendar, date=day)

    deadline = _deadline(organization, booked, visit, reason)

    assert _local(deadline.due_at) == due
    assert "the clinic's business calendar" in deadline.basis


@pytest.mark.django_db
def test_without_a_business_calendar_weekdays_count_and_staff_are_told() -> None:
    organization = OrganizationFactory(time_zone="America/Chicago")
    assert not BusinessCalendar.objects.filter(organization=organization).exists()

    deadline = _deadline(organization, datetime(2026, 12, 24, 9, tzinfo=CLINIC_ZONE), None, "requested")

    # Christmas is a weekday to an assumed calendar: Friday 25, Monday 28, Tuesday 29.
    assert _local(deadline.due_at) == datetime(2026, 12, 29, 17, tzinfo=CLINIC_ZONE)
    assert "no business calendar" in deadline.basis


# Kept, versioned, flagged when late --------------------------------------------------------


def _request(clinic: Clinic, priced: PricedVisit, key: str = "k1") -> EstimateDue:
    access = resolve(clinic.patient.user, clinic.patient, Action.BILLING)
    assert access is not None
    return estimates.estimate_request(
        access=access, actor=clinic.patient.user, item_id=priced.item.pk, coverage="uninsured", idempotency_key=key
    )


def test_an_issued_estimate_is_never_edited_a_new_version_supersedes_it(clinic: Clinic, priced: PricedVisit) -> None:
    due = _request(clinic, priced)
    first = due.estimate
    assert first is not None
    billing = StaffMemberFactory(organization=clinic.organization, role=StaffRole.BILLING)

    with pytest.raises(DatabaseError), transaction.atomic():
        GoodFaithEstimate.objects.filter(pk=first.pk).update(total_cents=1)
    priced.item.services.filter(code="99213").update(amount_cents=16_000)
    estimates.estimate_issue_now(staff=billing, actor=billing.user, due_id=due.pk)

    due.refresh_from_db()
    second = due.estimate
    assert (second.version, second.supersedes_id, second.total_cents) == (2, first.pk, 18_500)
    first.refresh_from_db()
    assert first.total_cents == 17_500


def test_the_same_request_twice_makes_one_promise(clinic: Clinic, priced: PricedVisit) -> None:
    first = _request(clinic, priced, key="same")
    again = _request(clinic, priced, key="same")

    assert again.pk == first.pk
    assert (EstimateDue.objects.count(), GoodFaithEstimate.objects.count()) == (1, 1)


def test_an_estimate_missing_a_fact_waits_for_staff_and_is_flagged_when_late(
    clinic: Clinic, priced: PricedVisit, clock: Clock, client: Any
) -> None:
    clock.move_to(NOW, tick=False)  # Monday 07:00
    ProviderBillingIdentity.objects.all().delete()
    appointment = clinic.book(at(2026, 3, 16, 9))

    assert estimates.estimates_sweep().promised == 1
    due = EstimateDue.objects.get(appointment=appointment)
    assert due.estimate is None
    assert due.blocked_reason == "The clinician Grace Kim, MD has no NPI on file in billing."
    clock.move_to(at(2026, 3, 3, 16, 59), tick=False)
    assert estimates.estimates_sweep().flagged == 0
    clock.move_to(at(2026, 3, 3, 17, 1), tick=False)
    assert estimates.estimates_sweep().flagged == 1
    assert estimates.estimates_sweep().flagged == 0  # once

    billing = StaffMemberFactory(organization=clinic.organization, role=StaffRole.BILLING)
    sign_in(client, billing.user, second_factor=True)
    page = client.get(reverse("billing_staff_estimates"))
    assert page.status_code == 200
    assert "Late" in page.content.decode() and "has no NPI on file" in page.content.decode()

    ProviderBillingIdentity.objects.create(staff=clinic.dr_kim, npi="1987654325")
    issued = client.post(reverse("billing_staff_estimate_issue", args=[due.pk]))
    assert issued.status_code == 302
    due.refresh_from_db()
    assert due.estimate is not None and due.estimate.content["providers"][0]["npi"] == "1987654325"


def test_staff_of_another_clinic_and_patients_cannot_reach_the_staff_pages(
    clinic: Clinic, priced: PricedVisit, client: Any
) -> None:
    due = _request(clinic, priced)
    elsewhere = StaffMemberFactory(organization=OrganizationFactory(), role=StaffRole.BILLING)
    issue = reverse("billing_staff_estimate_issue", args=[due.pk])

    assert client.get(reverse("billing_staff_estimates")).status_code == 302  # to sign in
    sign_in(client, clinic.patient.user)
    assert client.get(reverse("billing_staff_estimates")).status_code == 404
    assert client.post(issue).status_code == 404
    sign_in(client, elsewhere.user, second_factor=True)
    assert "No estimates are waiting." in client.get(reverse("billing_staff_estimates")).content.decode()
    assert client.post(issue).status_code == 404
    assert GoodFaithEstimate.objects.count() == 1


def test_the_request_form_refuses_a_missing_answer(clinic: Clinic, priced: PricedVisit, client: Any) -> None:
    sign_in(client, clinic.patient.user)
    url = reverse("billing_estimates", args=[clinic.patient.pk])

    refused = client.post(url, {"item": priced.item.pk, "idempotency_key": "k"})
    asked = client.post(url, {"item": priced.item.pk, "coverage": "uninsured", "idempotency_key": "k"})

    assert refused.status_code == 400
    assert EstimateDue.objects.filter(request_key="k").count() == 1
    assert asked.status_code == 302
    estimate = GoodFaithEstimate.objects.get()
    assert asked["Location"] == reverse("billing_estimate", args=[clinic.patient.pk, estimate.pk])
    due = EstimateDue.objects.get()
    assert _local(due.due_at) is not None and due.due_at - due.requested_at >= timedelta(days=1)
