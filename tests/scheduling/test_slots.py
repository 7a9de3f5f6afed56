"""Slot search: weekly hours minus leave minus occupied time, within lead time and horizon, by day,
in a constant number of queries."""

from __future__ import annotations

from datetime import date, time, timedelta

from scheduling.factories import AvailabilityTemplateFactory, ProviderOfferingFactory
from scheduling.models import Appointment, AvailabilityException, VisitType
from scheduling.services.slots import Blocked, find_slots
from tests.scheduling.conftest import NOW, Clinic, at

MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)


def times(search, day: date, provider_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        f"{slot.starts_at.astimezone(at(2026, 1, 1).tzinfo):%H:%M}"
        for slot in search.days.get(day, [])
        if slot.provider_id == provider_id
    ]


def monday(clinic: Clinic, **kwargs):  # type: ignore[no-untyped-def]
    visit_type = VisitType.objects.select_related("organization").get(pk=clinic.follow_up.pk)
    return find_slots(visit_type=visit_type, now=NOW, first_day=MONDAY, last_day=MONDAY, **kwargs)


def test_weekly_hours_are_cut_into_slots_of_the_visit_length(clinic: Clinic) -> None:
    search = monday(clinic)

    assert times(search, MONDAY, clinic.dr_kim.pk) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert times(search, MONDAY, clinic.dr_lee.pk) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert list(search.days) == [MONDAY]
    assert search.providers[clinic.dr_kim.pk].user.full_name == "Grace Kim"


def test_the_minimum_lead_time_and_the_horizon_bound_the_search(clinic: Clinic) -> None:
    clinic.follow_up.min_lead_minutes = 3 * 60 + 30  # from 10:30 on Monday
    clinic.follow_up.max_horizon_days = 2  # until Wednesday 07:00
    clinic.follow_up.save()

    search = find_slots(visit_type=clinic.follow_up, now=NOW)

    assert times(search, MONDAY, clinic.dr_kim.pk) == ["10:30", "11:00", "11:30"]
    assert len(times(search, TUESDAY, clinic.dr_kim.pk)) == 6
    assert sorted(search.days) == [MONDAY, TUESDAY]


def test_leave_extra_hours_and_occupied_time_are_applied(clinic: Clinic) -> None:
    AvailabilityException.objects.create(
        provider=clinic.dr_kim, starts_at=at(2026, 3, 2, 9), ends_at=at(2026, 3, 2, 10, 15)
    )
    AvailabilityException.objects.create(
        provider=clinic.dr_kim,
        location=clinic.location,
        kind=AvailabilityException.Kind.EXTRA,
        starts_at=at(2026, 3, 2, 13),
        ends_at=at(2026, 3, 2, 14),
    )
    clinic.book(at(2026, 3, 2, 11))

    search = monday(clinic)

    assert times(search, MONDAY, clinic.dr_kim.pk) == ["10:30", "11:30", "13:00", "13:30"]
    # The patient's own visit at 11:00 blocks that time with every provider, for that patient only.
    other = monday(clinic, patient=clinic.patient)
    assert "11:00" not in times(other, MONDAY, clinic.dr_lee.pk)
    assert "11:00" in times(search, MONDAY, clinic.dr_lee.pk)


def test_a_hold_blocks_until_it_expires(clinic: Clinic) -> None:
    clinic.follow_up.min_lead_minutes = 60
    clinic.follow_up.save()
    Appointment.objects.create(
        organization=clinic.organization,
        patient=clinic.new_patient(),
        provider=clinic.dr_kim,
        location=clinic.location,
        visit_type=clinic.follow_up,
        during=(at(2026, 3, 2, 9), at(2026, 3, 2, 9, 30)),
        status=Appointment.Status.HELD,
        source=Appointment.Source.SELF,
        hold_expires_at=NOW + timedelta(minutes=5),
    )

    assert times(monday(clinic), MONDAY, clinic.dr_kim.pk)[0] == "09:30"
    later = find_slots(visit_type=clinic.follow_up, now=NOW + timedelta(minutes=6), first_day=MONDAY, last_day=MONDAY)
    assert times(later, MONDAY, clinic.dr_kim.pk)[0] == "09:00"


def test_templates_only_count_between_their_dates_and_where_the_visit_type_is_offered(clinic: Clinic) -> None:
    AvailabilityTemplateFactory(
        provider=clinic.dr_kim,
        location=clinic.location,
        weekday=1,
        starts=time(14),
        ends=time(15),
        effective_from=date(2026, 4, 1),
    )
    elsewhere = ProviderOfferingFactory(provider=clinic.dr_lee, location__organization=clinic.organization).location
    AvailabilityTemplateFactory(provider=clinic.dr_lee, location=elsewhere, weekday=1, starts=time(14), ends=time(15))

    search = find_slots(visit_type=clinic.follow_up, now=NOW, first_day=TUESDAY, last_day=TUESDAY)

    assert times(search, TUESDAY, clinic.dr_kim.pk)[-1] == "11:30"
    assert times(search, TUESDAY, clinic.dr_lee.pk)[-1] == "11:30"


def test_blocked_time_is_merged_and_checked_for_overlap() -> None:
    blocked = Blocked([(at(2026, 3, 2, 9), at(2026, 3, 2, 10)), (at(2026, 3, 2, 9, 30), at(2026, 3, 2, 11))])

    assert blocked.overlaps(at(2026, 3, 2, 10, 30), at(2026, 3, 2, 11)) is True
    assert blocked.overlaps(at(2026, 3, 2, 11), at(2026, 3, 2, 11, 30)) is False
    assert blocked.overlaps(at(2026, 3, 2, 8, 30), at(2026, 3, 2, 9)) is False
