"""Who may book a visit type themselves, and the plain words for why not."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from portal.factories import born_years_ago
from portal.models import CareTeamMembership
from scheduling.models import Appointment, Referral, VisitType
from scheduling.services.eligibility import check_eligibility, months_before
from tests.scheduling.conftest import NOW, Clinic, at

Mode = VisitType.BookingMode


def reasons(clinic: Clinic, **rules: object) -> list[str]:
    VisitType.objects.filter(pk=clinic.follow_up.pk).update(**rules)
    visit_type = VisitType.objects.select_related("organization").get(pk=clinic.follow_up.pk)
    return check_eligibility(patient=clinic.patient, visit_type=visit_type, now=NOW).reasons


def test_anyone_may_book_a_visit_type_without_rules(clinic: Clinic) -> None:
    result = check_eligibility(patient=clinic.patient, visit_type=clinic.follow_up, now=NOW)

    assert (result.may_book, result.reasons, result.provider_ids) == (True, [], None)


def test_call_us_says_why_and_the_number(clinic: Clinic) -> None:
    assert reasons(
        clinic, name="New patient visit", booking_mode=Mode.CALL, call_reason="we need your history before we book"
    ) == [
        "“New patient visit” must be booked by phone because we need your history before we book. "
        "Please call (312) 555-0100."
    ]


def test_established_only_needs_a_completed_visit_in_the_window(clinic: Clinic) -> None:
    rules = {"established_only": True, "established_months": 12}
    assert reasons(clinic, **rules) == [
        "“Follow-up visit” is for patients we have seen in the last 12 months. "
        "Please call (312) 555-0100 and we will find you a time."
    ]
    Appointment.objects.create(
        organization=clinic.organization,
        patient=clinic.patient,
        provider=clinic.dr_kim,
        location=clinic.location,
        visit_type=clinic.follow_up,
        during=DateTimeTZRange(at(2025, 6, 2, 9), at(2025, 6, 2, 9, 30)),
        status=Appointment.Status.COMPLETED,
        source=Appointment.Source.STAFF,
        booked_at=at(2025, 5, 1),
    )
    assert reasons(clinic, **rules) == []


def test_age_range_referral_and_primary_provider(clinic: Clinic) -> None:
    clinic.patient.birth_date = born_years_ago(40)
    clinic.patient.save()
    CareTeamMembership.objects.filter(patient=clinic.patient).delete()

    found = reasons(clinic, min_age=50, needs_referral=True, primary_provider_only=True)

    assert found == [
        "“Follow-up visit” is for patients aged 50 and over. Please call (312) 555-0100.",
        "“Follow-up visit” needs a referral from your care team. Send us a message or call (312) 555-0100.",
        "“Follow-up visit” is with your primary care provider, and you do not have one with us yet. "
        "Please call (312) 555-0100.",
    ]
    Referral.objects.create(
        patient=clinic.patient, visit_type=clinic.follow_up, valid_until=date(2026, 6, 1), created_by=clinic.dr_kim.user
    )
    CareTeamMembership.objects.create(patient=clinic.patient, staff=clinic.dr_lee, is_primary=True)
    result = check_eligibility(
        patient=clinic.patient, visit_type=VisitType.objects.get(pk=clinic.follow_up.pk), now=NOW
    )
    assert (result.reasons, result.provider_ids) == (
        ["“Follow-up visit” is for patients aged 50 and over. Please call (312) 555-0100."],
        [clinic.dr_lee.pk],
    )


def test_the_limit_of_upcoming_visits(clinic: Clinic) -> None:
    clinic.book(at(2026, 3, 3, 9))

    assert reasons(clinic) == [
        "You already have an upcoming “Follow-up visit”. Change or cancel it instead of booking another."
    ]
    assert reasons(clinic, max_active_bookings=2) == []


def test_spanish_names_are_used_in_spanish(clinic: Clinic) -> None:
    from django.utils import translation

    with translation.override("es"):
        assert clinic.follow_up.label == "Visita de seguimiento"
    assert clinic.follow_up.label == "Follow-up visit"


def test_months_before_keeps_the_end_of_month_sane() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 2), 14) == date(2025, 1, 2)
    assert months_before(NOW.date() + timedelta(days=0), 36) == date(2023, 3, 2)
