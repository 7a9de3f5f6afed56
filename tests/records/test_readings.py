"""Home readings: entry and its errors, who entered it, limits per patient or clinic, tasks for the
care team, what the patient is told to do now, the history and chart, and the staff limits page."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal import dates
from portal.access import Action, access_patient
from portal.factories import (
    CareTeamMembershipFactory,
    OrganizationFactory,
    PatientFactory,
    ProxyGrantFactory,
    StaffMemberFactory,
)
from portal.models import AuditEvent, Scope, StaffRole
from portal.services.errors import ServiceError
from records.admin import ReadingThresholdForm
from records.charts import Point, lines_chart
from records.models import CareTask, HomeReading, ReadingThreshold
from records.services import readings
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
Kind = HomeReading.Kind
Measure = ReadingThreshold.Measure


def _url(patient, tail: str = "") -> str:
    return f"/p/{patient.pk}/record/readings/{tail}"


def _local(patient, moment: datetime) -> str:
    """A time as the patient's browser sends it from a datetime-local box (the clinic's wall clock)."""
    return timezone.localtime(moment, ZoneInfo(patient.home_organization.time_zone)).strftime("%Y-%m-%dT%H:%M")


def _bp(patient, systolic: object, diastolic: object, *, ago: timedelta = timedelta(hours=1), note: str = ""):
    return {
        "systolic": systolic,
        "diastolic": diastolic,
        "taken_at": _local(patient, timezone.now() - ago),
        "note": note,
    }


def _glucose(patient, value: object) -> dict[str, object]:
    return {"value": value, "taken_at": _local(patient, timezone.now() - timedelta(minutes=10)), "note": ""}


def _reading(patient, user, **fields) -> HomeReading:
    defaults = {"kind": Kind.BLOOD_PRESSURE, "systolic": 120, "diastolic": 80, "taken_at": timezone.now()}
    return HomeReading.objects.create(patient=patient, entered_by=user, **{**defaults, **fields})


# --- Entry -------------------------------------------------------------------------------------


def test_a_blood_pressure_in_range_is_saved_with_who_entered_it_and_no_task(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post(_url(patient, "blood-pressure/"), _bp(patient, 128, 82, note="after breakfast"))

    reading = HomeReading.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(patient, f"{reading.pk}/")
    assert (reading.kind, reading.systolic, reading.diastolic, reading.value) == (Kind.BLOOD_PRESSURE, 128, 82, None)
    assert (reading.entered_by, reading.note) == (patient.user, "after breakfast")
    assert CareTask.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "128/82 mmHg" in page
    assert "in the range your care team set" in page


def test_the_time_typed_is_read_on_the_clinics_clock(client, patient) -> None:
    sign_in(client, patient.user)
    taken = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)

    client.post(_url(patient, "weight/"), {"value": "165.5", "taken_at": _local(patient, taken)})

    reading = HomeReading.objects.get()
    assert (reading.taken_at, reading.value) == (taken, Decimal("165.5"))


def test_errors_say_what_to_fix_and_keep_what_was_typed(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post(_url(patient, "blood-pressure/"), _bp(patient, 400, "eighty", note="felt dizzy"))

    page = response.content.decode()
    assert response.status_code == 400
    assert "The top number must be between 50 and 300." in page
    assert "Enter the bottom number as a whole number, for example 82." in page
    assert 'value="400"' in page
    assert 'value="eighty"' in page
    assert 'value="felt dizzy"' in page
    assert 'aria-describedby="id_systolic_error"' in page
    assert HomeReading.objects.count() == 0


@pytest.mark.parametrize(
    ("tail", "data", "message"),
    [
        ("blood-pressure/", {"systolic": "", "diastolic": ""}, "Enter the top number (systolic)."),
        ("blood-pressure/", {"systolic": "120", "diastolic": "130"}, "must be lower than the top number"),
        ("blood-pressure/", {"systolic": "120", "diastolic": "20"}, "The bottom number must be between 30 and 200."),
        ("blood-sugar/", {"value": "5.6"}, "Enter your blood sugar as a whole number"),
        ("blood-sugar/", {"value": "900"}, "Blood sugar must be between 20 and 800 mg/dL."),
        ("weight/", {"value": "1"}, "Weight must be between 2 and 1000 lb."),
        ("weight/", {"value": "165.25"}, "Use at most one number after the decimal point"),
        ("weight/", {"value": ""}, "Enter your weight."),
    ],
)
def test_each_kind_of_mistake_has_its_own_message(client, patient, tail: str, data: dict, message: str) -> None:
    sign_in(client, patient.user)
    data = {**data, "taken_at": _local(patient, timezone.now())}

    response = client.post(_url(patient, tail), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert HomeReading.objects.count() == 0


def test_a_time_in_the_future_is_refused(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post(_url(patient, "blood-pressure/"), _bp(patient, 120, 80, ago=-timedelta(hours=1)))

    assert response.status_code == 400
    assert "That time is in the future." in response.content.decode()
    assert HomeReading.objects.count() == 0


def test_the_form_starts_at_now_on_the_clinics_clock(client, patient) -> None:
    sign_in(client, patient.user)

    page = client.get(_url(patient, "blood-sugar/")).content.decode()

    assert f'value="{_local(patient, timezone.now())}"' in page or (
        f'value="{_local(patient, timezone.now() - timedelta(minutes=1))}"' in page
    )


def test_the_service_refuses_what_the_form_would_have(patient) -> None:
    access = access_patient(patient.user, patient.pk, Action.RECORDS)

    with pytest.raises(ServiceError):
        readings.reading_record(access=access, actor=patient.user, kind=Kind.GLUCOSE, taken_at=timezone.now())
    with pytest.raises(ServiceError):
        readings.reading_record(
            access=access, actor=patient.user, kind=Kind.WEIGHT, value=Decimal(5000), taken_at=timezone.now()
        )
    with pytest.raises(ServiceError):
        readings.reading_record(
            access=access,
            actor=patient.user,
            kind=Kind.WEIGHT,
            value=Decimal(150),
            taken_at=timezone.now() + timedelta(hours=1),
        )
    assert HomeReading.objects.count() == 0


# --- Who may enter -----------------------------------------------------------------------------


def test_a_caregiver_with_the_records_scope_enters_a_reading_as_themself(client, patient) -> None:
    carer = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS]).grantee
    sign_in(client, carer)

    response = client.post(_url(patient, "blood-sugar/"), _glucose(patient, 110))

    reading = HomeReading.objects.get()
    assert response.status_code == 302
    assert (reading.patient, reading.entered_by, reading.value) == (patient, carer, Decimal(110))
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="records.HomeReading")
    assert (event.actor, event.acting_as, event.patient, event.scope) == (
        carer,
        AuditEvent.ActingAs.PROXY,
        patient,
        Scope.RECORDS,
    )


def test_a_caregiver_without_the_records_scope_gets_404_and_writes_nothing(client, patient) -> None:
    carer = ProxyGrantFactory(patient=patient, scopes=[Scope.MESSAGING]).grantee
    sign_in(client, carer)

    assert client.get(_url(patient)).status_code == 404
    assert client.get(_url(patient, "blood-sugar/")).status_code == 404
    assert client.post(_url(patient, "blood-sugar/"), _glucose(patient, 110)).status_code == 404
    assert HomeReading.objects.count() == 0


def test_staff_see_the_readings_but_do_not_enter_them(client, patient, nurse) -> None:
    _reading(patient, patient.user, systolic=131, diastolic=79)
    sign_in(client, nurse.user, second_factor=True)

    page = client.get(_url(patient, "blood-pressure/")).content.decode()
    refused = client.post(_url(patient, "blood-pressure/"), _bp(patient, 120, 80))

    assert "131/79 mmHg" in page
    assert 'name="systolic"' not in page
    assert refused.status_code == 404
    assert HomeReading.objects.count() == 1


# --- Limits and tasks --------------------------------------------------------------------------


def test_out_of_range_makes_exactly_one_task_and_tells_the_patient_what_to_do(client, patient) -> None:
    ReadingThreshold.objects.create(measure=Measure.GLUCOSE, low=Decimal(70), high=Decimal(180))
    sign_in(client, patient.user)

    response = client.post(_url(patient, "blood-sugar/"), _glucose(patient, 220))

    task = CareTask.objects.get()
    reading = HomeReading.objects.get()
    assert (task.kind, task.status, task.reading, task.patient, task.created_by) == (
        CareTask.Kind.READING,
        CareTask.Status.OPEN,
        reading,
        patient,
        patient.user,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Your care team will look at this within one business day." in page
    assert "Send them a message if you feel unwell." in page
    assert "Act now" not in page


def test_a_patients_own_limit_overrides_the_clinic_default(client, patient) -> None:
    ReadingThreshold.objects.create(measure=Measure.SYSTOLIC, high=Decimal(140))
    ReadingThreshold.objects.create(patient=patient, measure=Measure.SYSTOLIC, high=Decimal(170))
    neighbour = PatientFactory(home_organization=patient.home_organization)
    sign_in(client, patient.user)

    client.post(_url(patient, "blood-pressure/"), _bp(patient, 150, 85))
    sign_in(client, neighbour.user)
    client.post(_url(neighbour, "blood-pressure/"), _bp(neighbour, 150, 85))

    assert list(CareTask.objects.values_list("patient", flat=True)) == [neighbour.pk]


def test_an_empty_side_of_a_patients_limit_falls_back_to_the_clinic_default(patient) -> None:
    ReadingThreshold.objects.create(measure=Measure.GLUCOSE, low=Decimal(70), high=Decimal(180))
    ReadingThreshold.objects.create(patient=patient, measure=Measure.GLUCOSE, high=Decimal(250))

    limits = readings.effective_limits(patient)[Measure.GLUCOSE]

    assert (limits.low.value, limits.low.origin) == (Decimal(70), readings.Origin.CLINIC)
    assert (limits.high.value, limits.high.origin) == (Decimal(250), readings.Origin.PATIENT)


def test_without_any_default_the_built_in_limits_apply(patient) -> None:
    limits = readings.effective_limits(patient)

    assert (limits[Measure.SYSTOLIC].high.value, limits[Measure.SYSTOLIC].high.origin) == (
        Decimal(160),
        readings.Origin.BUILT_IN,
    )
    assert (limits[Measure.WEIGHT].low.origin, limits[Measure.WEIGHT].high.origin) == (
        readings.Origin.NONE,
        readings.Origin.NONE,
    )


def test_very_high_blood_pressure_gets_emergency_guidance_with_911(client, patient) -> None:
    patient.home_organization.phone = "555-0100"
    patient.home_organization.save()
    # Even a patient whose own limit would let it pass: emergency levels cannot be configured away.
    ReadingThreshold.objects.create(patient=patient, measure=Measure.SYSTOLIC, high=Decimal(250))
    sign_in(client, patient.user)

    response = client.post(_url(patient, "blood-pressure/"), _bp(patient, 184, 96))

    page = client.get(response["Location"]).content.decode()
    assert "Act now" in page
    assert "chest pain" in page
    assert "Do not wait for them if you feel very unwell: call 911." in page
    assert "This result" not in page  # a home reading, not a lab result
    assert 'href="tel:911"' in page
    assert 'href="tel:555-0100"' in page
    assert CareTask.objects.count() == 1


@pytest.mark.parametrize(
    ("systolic", "diastolic", "emergency"), [(179, 119, ""), (180, 90, "bp_high"), (150, 120, "bp_high")]
)
def test_the_blood_pressure_emergency_level_is_180_over_120(patient, systolic, diastolic, emergency) -> None:
    reading = HomeReading(kind=Kind.BLOOD_PRESSURE, systolic=systolic, diastolic=diastolic)

    assert readings.emergency_of(reading) == emergency


@pytest.mark.parametrize(("value", "emergency"), [(53, "glucose_low"), (54, ""), (400, ""), (401, "glucose_high")])
def test_the_blood_sugar_emergency_levels_are_below_54_and_above_400(value, emergency) -> None:
    assert readings.emergency_of(HomeReading(kind=Kind.GLUCOSE, value=Decimal(value))) == emergency


def test_very_low_blood_sugar_says_to_treat_it_now_in_spanish_too(client, patient) -> None:
    patient.user.language = "es"
    patient.user.save()
    sign_in(client, patient.user)

    response = client.post(_url(patient, "blood-sugar/"), _glucose(patient, 48))

    page = client.get(response["Location"]).content.decode()
    assert "911" in page
    assert "Este resultado" not in page
    assert CareTask.objects.count() == 1


# --- History and chart -------------------------------------------------------------------------


def test_history_charts_both_blood_pressure_numbers_and_lists_newest_first(client, patient) -> None:
    now = timezone.now()
    for days, (systolic, diastolic) in ((3, (141, 91)), (2, (135, 88)), (1, (128, 82))):
        _reading(patient, patient.user, systolic=systolic, diastolic=diastolic, taken_at=now - timedelta(days=days))
    sign_in(client, patient.user)

    page = client.get(_url(patient, "blood-pressure/")).content.decode()

    assert page.count('class="chart__line"') == 2
    assert page.count("<circle") == 3  # top number
    assert page.count('<rect class="chart__dot"') == 3  # bottom number
    table = page[page.index("<table") :]
    assert table.index("128/82 mmHg") < table.index("135/88 mmHg") < table.index("141/91 mmHg")
    assert "mmHg" in page[page.index("<figcaption") :]


def test_a_single_measure_chart_shades_the_care_teams_range(client, patient) -> None:
    ReadingThreshold.objects.create(measure=Measure.GLUCOSE, low=Decimal(70), high=Decimal(180))
    for days, value in ((2, 120), (1, 190)):
        _reading(
            patient,
            patient.user,
            kind=Kind.GLUCOSE,
            systolic=None,
            diastolic=None,
            value=Decimal(value),
            taken_at=timezone.now() - timedelta(days=days),
        )
    sign_in(client, patient.user)

    page = client.get(_url(patient, "blood-sugar/")).content.decode()

    assert '<rect class="chart__band"' in page
    assert "below 70 or above 180 mg/dL" in page


def test_the_overview_shows_the_latest_of_each_kind(client, patient) -> None:
    _reading(patient, patient.user, systolic=150, diastolic=90, taken_at=timezone.now() - timedelta(days=2))
    _reading(patient, patient.user, systolic=122, diastolic=78, taken_at=timezone.now() - timedelta(days=1))
    sign_in(client, patient.user)

    response = client.get(_url(patient))

    summaries = {summary.kind: summary for _slug, _title, _text, summary, _level in response.context["kinds"]}
    assert (summaries[Kind.BLOOD_PRESSURE].count, summaries[Kind.BLOOD_PRESSURE].latest.systolic) == (2, 122)
    assert (summaries[Kind.GLUCOSE].count, summaries[Kind.GLUCOSE].latest) == (0, None)
    assert "122/78 mmHg" in response.content.decode()


def test_the_history_page_costs_the_same_queries_however_many_readings(
    client, patient, django_assert_num_queries
) -> None:
    sign_in(client, patient.user)
    _reading(patient, patient.user)
    client.get(_url(patient, "blood-pressure/"))  # warm the session

    # session, user, staff role, 2 device kinds, patient, readings (with their tasks), limits, audit insert,
    # the people the header switches between, session save (3 with savepoints)
    with django_assert_num_queries(13):
        client.get(_url(patient, "blood-pressure/"))
    for days in range(1, 21):
        reading = _reading(patient, patient.user, systolic=190, taken_at=timezone.now() - timedelta(days=days))
        CareTask.objects.create(patient=patient, kind=CareTask.Kind.READING, reading=reading, created_by=patient.user)
    with django_assert_num_queries(13):
        client.get(_url(patient, "blood-pressure/"))


def test_another_patients_reading_is_404(client, patient) -> None:
    other = PatientFactory()
    reading = _reading(other, other.user)
    sign_in(client, patient.user)

    assert client.get(_url(patient, f"{reading.pk}/")).status_code == 404
    assert client.get(_url(patient, "pulse/")).status_code == 404


def test_lines_chart_puts_every_line_on_one_scale() -> None:
    start = timezone.now()
    top = [Point(start, Decimal(160)), Point(start + timedelta(days=1), Decimal(120))]
    bottom = [Point(start, Decimal(100)), Point(start + timedelta(days=1), Decimal(80))]

    chart = lines_chart([top, bottom], label=dates.format_date)

    assert chart is not None
    highest_y = chart.lines[0].dots[0][1]
    lowest_y = chart.lines[1].dots[1][1]
    assert highest_y < lowest_y  # SVG y grows downwards: 160 is drawn above 80
    assert [x for x, _y, _label in chart.lines[0].dots] == [x for x, _y, _label in chart.lines[1].dots]
    assert [label for _x, label, _anchor in chart.x_ticks] == [
        dates.format_date(start),
        dates.format_date(start + timedelta(days=1)),
    ]
    assert lines_chart([[top[0]], [bottom[0]]]) is None


# --- Staff: limits per patient, clinic defaults in the admin -----------------------------------


def _thresholds_url(patient) -> str:
    return f"/staff/records/patients/{patient.pk}/thresholds/"


def _limits(**values: object) -> dict[str, object]:
    data = {f"{measure}_{side}": "" for measure in Measure.values for side in ("low", "high")}
    return {**data, **values}


def test_staff_set_a_patients_limits_and_the_next_reading_uses_them(client, patient, nurse) -> None:
    sign_in(client, nurse.user, second_factor=True)

    response = client.post(_thresholds_url(patient), _limits(systolic_high="135", glucose_low="80"))

    assert response.status_code == 302
    rows = {r.measure: (r.low, r.high, r.set_by) for r in ReadingThreshold.objects.filter(patient=patient)}
    assert rows == {
        Measure.SYSTOLIC: (None, Decimal(135), nurse.user),
        Measure.GLUCOSE: (Decimal(80), None, nurse.user),
    }
    assert AuditEvent.objects.filter(
        actor=nurse.user, patient=patient, action=AuditEvent.Action.UPDATE, object_type="records.ReadingThreshold"
    ).exists()
    page = client.get(_thresholds_url(patient)).content.decode()
    assert 'value="135.0"' in page

    client.post(_thresholds_url(patient), _limits(glucose_low="80"))

    assert set(ReadingThreshold.objects.filter(patient=patient).values_list("measure", flat=True)) == {Measure.GLUCOSE}


def test_limits_that_cross_are_refused_with_the_input_kept(client, patient, nurse) -> None:
    ReadingThreshold.objects.create(measure=Measure.SYSTOLIC, low=Decimal(90), high=Decimal(160))
    sign_in(client, nurse.user, second_factor=True)

    crossed = client.post(_thresholds_url(patient), _limits(systolic_low="150", systolic_high="140"))
    above_default = client.post(_thresholds_url(patient), _limits(systolic_low="170"))
    implausible = client.post(_thresholds_url(patient), _limits(glucose_high="5000"))

    assert crossed.status_code == above_default.status_code == implausible.status_code == 400
    assert "Choose a number above the lower limit (150" in crossed.content.decode()
    assert 'value="140"' in crossed.content.decode()
    assert "below the clinic&#x27;s upper limit (160" in above_default.content.decode()
    assert "Choose a number between 20 and 800." in implausible.content.decode()
    assert ReadingThreshold.objects.filter(patient=patient).count() == 0


def test_the_limits_page_is_for_staff_who_may_see_the_record(client, patient) -> None:
    front_desk = StaffMemberFactory(organization=patient.home_organization, role=StaffRole.FRONT_DESK)
    elsewhere = StaffMemberFactory(organization=OrganizationFactory())
    specialist = StaffMemberFactory(organization=OrganizationFactory(), role=StaffRole.PHYSICIAN)
    CareTeamMembershipFactory(patient=patient, staff=specialist)

    answers = []
    for staff in (front_desk, elsewhere, specialist):
        sign_in(client, staff.user, second_factor=True)
        answers.append(client.get(_thresholds_url(patient)).status_code)
    sign_in(client, patient.user)
    answers.append(client.get(_thresholds_url(patient)).status_code)

    assert answers == [404, 404, 200, 404]


def test_the_admin_keeps_one_clinic_default_per_measure_with_low_below_high() -> None:
    ReadingThreshold.objects.create(measure=Measure.WEIGHT, high=Decimal(300))

    duplicate = ReadingThresholdForm(data={"measure": Measure.WEIGHT, "low": "", "high": "250"})
    crossed = ReadingThresholdForm(data={"measure": Measure.GLUCOSE, "low": "200", "high": "100"})
    fine = ReadingThresholdForm(data={"measure": Measure.GLUCOSE, "low": "70", "high": "200"})

    assert duplicate.errors == {"measure": ["There is already a clinic default for this measure. Change that one."]}
    assert crossed.errors == {"high": ["The high limit must be above the low limit."]}
    assert fine.is_valid()


def test_the_index_says_when_the_latest_reading_was_outside_the_range(client, patient) -> None:
    from django.utils import timezone as tz

    from records.models import HomeReading

    HomeReading.objects.create(patient=patient, kind="glucose", value=48, taken_at=tz.now(), entered_by=patient.user)
    sign_in(client, patient.user)

    page = client.get(f"/p/{patient.pk}/record/readings/").content.decode()

    assert "very high or very low" in page
