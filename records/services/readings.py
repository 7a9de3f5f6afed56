"""Home readings: the patient (or a caregiver) enters one; one that needs the care team becomes a task.

How a reading is judged, in order:
1. emergency levels, fixed here and never configurable away: blood pressure at or above 180/120,
   blood sugar below 54 or above 400 mg/dL. The patient is told at once to call 911 or the clinic;
2. the care team's limits: this patient's, else the clinic default (Django admin), else the
   built-in default below. A reading below the low or above the high limit is out of range;
3. otherwise the reading is simply saved.
Emergency and out-of-range readings both create one `CareTask` in the same transaction.

The limits and the emergency levels are clinical choices: clinicians must review them before a
clinic goes live, as for the plain-language next steps in `records.plain_language`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, briefing_inputs
from portal.access import Access
from portal.models import AuditEvent, Patient, User
from portal.services.errors import ServiceError
from records.models import CareTask, HomeReading, ReadingThreshold

Kind = HomeReading.Kind
Measure = ReadingThreshold.Measure

# What a home device can plausibly show; anything outside is a typing mistake.
BOUNDS: dict[str, tuple[Decimal, Decimal]] = {
    Measure.SYSTOLIC: (Decimal(50), Decimal(300)),
    Measure.DIASTOLIC: (Decimal(30), Decimal(200)),
    Measure.GLUCOSE: (Decimal(20), Decimal(800)),
    Measure.WEIGHT: (Decimal(2), Decimal(1000)),
}
UNITS: dict[str, str] = {
    Kind.BLOOD_PRESSURE: "mmHg",
    Kind.GLUCOSE: "mg/dL",
    Kind.WEIGHT: "lb",
}
MEASURE_UNITS: dict[str, str] = {
    Measure.SYSTOLIC: "mmHg",
    Measure.DIASTOLIC: "mmHg",
    Measure.GLUCOSE: "mg/dL",
    Measure.WEIGHT: "lb",
}
MEASURES: dict[str, tuple[str, ...]] = {
    Kind.BLOOD_PRESSURE: (Measure.SYSTOLIC, Measure.DIASTOLIC),
    Kind.GLUCOSE: (Measure.GLUCOSE,),
    Kind.WEIGHT: (Measure.WEIGHT,),
}
# A device clock a few minutes ahead of ours is not a reading from the future.
CLOCK_SLACK = timedelta(minutes=5)

# Emergency levels (AHA hypertensive crisis; ADA level 2 hypoglycaemia; very high sugar).
CRISIS_SYSTOLIC = 180
CRISIS_DIASTOLIC = 120
SEVERE_LOW_GLUCOSE = Decimal(54)
SEVERE_HIGH_GLUCOSE = Decimal(400)

# Used until the clinic sets its own default for a measure in the admin.
BUILT_IN_LIMITS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    Measure.SYSTOLIC: (Decimal(90), Decimal(160)),
    Measure.DIASTOLIC: (None, Decimal(100)),
    Measure.GLUCOSE: (Decimal(70), Decimal(250)),
    Measure.WEIGHT: (None, None),
}


class Origin(enum.StrEnum):
    """Where a limit comes from, so staff can see what they are overriding."""

    PATIENT = "patient"
    CLINIC = "clinic"
    BUILT_IN = "built_in"
    NONE = "none"


@dataclass(frozen=True)
class Limit:
    value: Decimal | None
    origin: Origin


@dataclass(frozen=True)
class Limits:
    """The effective low and high limit of one measure for one patient."""

    measure: str
    low: Limit
    high: Limit

    def breached_by(self, value: Decimal) -> bool:
        return (self.low.value is not None and value < self.low.value) or (
            self.high.value is not None and value > self.high.value
        )


def _limit(value: Decimal | None, origin: Origin) -> Limit:
    return Limit(value, origin if value is not None else Origin.NONE)


def _combine(own: dict[str, ReadingThreshold], clinic: dict[str, ReadingThreshold]) -> dict[str, Limits]:
    limits = {}
    for measure in Measure.values:
        sides = []
        for side, index in (("low", 0), ("high", 1)):
            mine, default = own.get(measure), clinic.get(measure)
            if mine is not None and getattr(mine, side) is not None:
                sides.append(Limit(getattr(mine, side), Origin.PATIENT))
            elif default is not None:
                sides.append(_limit(getattr(default, side), Origin.CLINIC))
            else:
                sides.append(_limit(BUILT_IN_LIMITS[measure][index], Origin.BUILT_IN))
        limits[measure] = Limits(measure, sides[0], sides[1])
    return limits


def effective_limits(patient: Patient) -> dict[str, Limits]:
    """Every measure's limits for `patient`: each number from this patient's row if set there,
    else from the clinic default, else built in. One query."""
    rows = ReadingThreshold.objects.filter(patient__isnull=True) | ReadingThreshold.objects.filter(patient=patient)
    own = {row.measure: row for row in rows if row.patient_id is not None}
    clinic = {row.measure: row for row in rows if row.patient_id is None}
    return _combine(own, clinic)


def effective_limits_many(patient_ids: list[str]) -> dict[str, dict[str, Limits]]:
    """`effective_limits` for every patient of a batch (by id as a string). One query."""
    rows = list(ReadingThreshold.objects.filter(Q(patient__isnull=True) | Q(patient_id__in=patient_ids)))
    clinic = {row.measure: row for row in rows if row.patient_id is None}
    own: dict[str, dict[str, ReadingThreshold]] = {str(patient_id): {} for patient_id in patient_ids}
    for row in rows:
        if row.patient_id is not None:
            own[str(row.patient_id)][row.measure] = row
    return {patient_id: _combine(mine, clinic) for patient_id, mine in own.items()}


def clinic_limits() -> dict[str, Limits]:
    """The limits for a patient with none of their own."""
    return _combine({}, {row.measure: row for row in ReadingThreshold.objects.filter(patient__isnull=True)})


class Level(enum.IntEnum):
    IN_RANGE = 0
    OUT_OF_RANGE = 1
    EMERGENCY = 2


@dataclass(frozen=True)
class Assessment:
    level: Level
    # Which emergency, for the words the patient sees: "bp_high", "glucose_low", "glucose_high" or "".
    emergency: str = ""

    @property
    def needs_care_team(self) -> bool:
        return self.level >= Level.OUT_OF_RANGE


def values_of(reading: HomeReading) -> dict[str, Decimal]:
    """The reading's numbers by measure."""
    if reading.kind == Kind.BLOOD_PRESSURE:
        return {Measure.SYSTOLIC: Decimal(reading.systolic or 0), Measure.DIASTOLIC: Decimal(reading.diastolic or 0)}
    measure = Measure.GLUCOSE if reading.kind == Kind.GLUCOSE else Measure.WEIGHT
    return {measure: reading.value if reading.value is not None else Decimal(0)}


def emergency_of(reading: HomeReading) -> str:
    """The emergency this reading shows, judged by fixed levels only ("" for none)."""
    if reading.kind == Kind.BLOOD_PRESSURE:
        if (reading.systolic or 0) >= CRISIS_SYSTOLIC or (reading.diastolic or 0) >= CRISIS_DIASTOLIC:
            return "bp_high"
    elif reading.kind == Kind.GLUCOSE and reading.value is not None:
        if reading.value < SEVERE_LOW_GLUCOSE:
            return "glucose_low"
        if reading.value > SEVERE_HIGH_GLUCOSE:
            return "glucose_high"
    return ""


def assess(reading: HomeReading, limits: dict[str, Limits]) -> Assessment:
    emergency = emergency_of(reading)
    if emergency:
        return Assessment(Level.EMERGENCY, emergency)
    if any(limits[measure].breached_by(value) for measure, value in values_of(reading).items()):
        return Assessment(Level.OUT_OF_RANGE)
    return Assessment(Level.IN_RANGE)


def _check(values: dict[str, Decimal], taken_at: datetime) -> None:
    """The form says all this to the person kindly; here it guards every other caller."""
    for measure, value in values.items():
        low, high = BOUNDS[measure]
        if not low <= value <= high:
            raise ServiceError(_("This number is outside what a home device can measure."), field=measure)
    if taken_at > timezone.now() + CLOCK_SLACK:
        raise ServiceError(_("This time is in the future."), field="taken_at")


@dataclass(frozen=True)
class Recorded:
    reading: HomeReading
    assessment: Assessment
    task: CareTask | None


def may_enter(access: Access) -> bool:
    """Home readings are the patient's own words: the patient and their caregivers enter them, staff read them."""
    return access.is_patient_side


@transaction.atomic
def reading_record(
    *,
    access: Access,
    actor: User,
    kind: str,
    taken_at: datetime,
    systolic: int | None = None,
    diastolic: int | None = None,
    value: Decimal | None = None,
    note: str = "",
) -> Recorded:
    """Save a home reading entered by `actor` and, when it needs the care team, a task for them."""
    if not may_enter(access):
        raise ServiceError(_("Only the patient and their caregivers enter home readings."))
    given: dict[str, int | Decimal | None]
    if kind == Kind.BLOOD_PRESSURE:
        given = {Measure.SYSTOLIC: systolic, Measure.DIASTOLIC: diastolic}
    else:
        given = {MEASURES[kind][0]: value}
    if any(number is None for number in given.values()):
        raise ServiceError(_("This reading is missing a number."))
    values = {measure: Decimal(number) for measure, number in given.items() if number is not None}
    _check(values, taken_at)
    reading = HomeReading.objects.create(
        patient=access.patient,
        kind=kind,
        taken_at=taken_at,
        systolic=systolic if kind == Kind.BLOOD_PRESSURE else None,
        diastolic=diastolic if kind == Kind.BLOOD_PRESSURE else None,
        value=value if kind != Kind.BLOOD_PRESSURE else None,
        note=note.strip(),
        entered_by=actor,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=reading)
    assessment = assess(reading, effective_limits(access.patient))
    task = None
    if assessment.needs_care_team:
        task = CareTask.objects.create(
            patient=access.patient, kind=CareTask.Kind.READING, reading=reading, created_by=actor
        )
        audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=task)
    briefing_inputs.changed(access.patient.pk)
    return Recorded(reading, assessment, task)


@transaction.atomic
def thresholds_set(*, access: Access, actor: User, limits: dict[str, tuple[Decimal | None, Decimal | None]]) -> None:
    """Staff set this patient's own limits; a number left empty falls back to the clinic default,
    and a measure with both empty has no row of its own."""
    if not access.is_staff_side:
        raise ServiceError(_("Only the care team sets limits for home readings."))
    for measure, (low, high) in limits.items():
        if low is None and high is None:
            ReadingThreshold.objects.filter(patient=access.patient, measure=measure).delete()
        else:
            ReadingThreshold.objects.update_or_create(
                patient=access.patient, measure=measure, defaults={"low": low, "high": high, "set_by": actor}
            )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, object_type="records.ReadingThreshold")
