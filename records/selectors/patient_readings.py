"""Every read of patient-entered data (home readings, reported mistakes): scoped by the access policy,
audited, constant in queries. The care team's queue of tasks is in selectors/staff.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from records.models import CareTask, HomeReading, RecordItem
from records.selectors.patient import visible_items
from records.services.corrections import CORRECTABLE
from records.services.readings import Level, Limits, assess, effective_limits

Kind = HomeReading.Kind
HISTORY_LIMIT = 200


def _audit_view(access: Access, actor: User, object_type: str, object_id: object = "") -> None:
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.VIEW, object_type=object_type, object_id=object_id
    )


@dataclass(frozen=True)
class KindSummary:
    kind: str
    count: int
    latest: HomeReading | None


def readings_summary(*, access: Access, actor: User) -> list[KindSummary]:
    """Each kind of home reading with how many there are and the newest one."""
    readings = HomeReading.objects.filter(patient=access.patient)
    counts = dict(readings.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    latest = {r.kind: r for r in readings.order_by("kind", "-taken_at", "-pk").distinct("kind")}
    _audit_view(access, actor, "records.HomeReadings")
    return [KindSummary(kind, counts.get(kind, 0), latest.get(kind)) for kind in Kind.values]


@dataclass(frozen=True)
class History:
    readings: Sequence[HomeReading]  # newest first, each with `sent_to_care_team` and `reviewed`
    limits: dict[str, Limits]


def reading_history(*, access: Access, actor: User, kind: str) -> History:
    """One kind of home reading, newest first, marked when it went to the care team, and the
    limits that decide that."""
    readings = list(
        HomeReading.objects.filter(patient=access.patient, kind=kind)
        .annotate(
            sent_to_care_team=Exists(CareTask.objects.filter(reading=OuterRef("pk"))),
            reviewed=Exists(CareTask.objects.filter(reading=OuterRef("pk"), status=CareTask.Status.DONE)),
        )
        .select_related("entered_by")
        .order_by("-taken_at", "-pk")[:HISTORY_LIMIT]
    )
    limits = effective_limits(access.patient)
    _audit_view(access, actor, "records.HomeReadings", kind)
    return History(readings, limits)


# How far back a staff member answering a message sees the patient's home readings, and how many.
RECENT_DAYS = 14
RECENT_LIMIT = 10


@dataclass(frozen=True)
class Judged:
    """A home reading with how it compares with this patient's limits (staff read the level in words)."""

    reading: HomeReading
    level: Level

    @property
    def out_of_range(self) -> bool:
        return self.level >= Level.OUT_OF_RANGE

    @property
    def emergency(self) -> bool:
        return self.level == Level.EMERGENCY


def recent_readings(*, access: Access, actor: User, now: datetime) -> list[Judged]:
    """The patient's latest home readings of any kind (the last two weeks, newest first), each
    judged against the patient's limits, for staff answering a message: two queries and the audit."""
    readings = list(
        HomeReading.objects.filter(patient=access.patient, taken_at__gte=now - timedelta(days=RECENT_DAYS))
        .select_related("entered_by")
        .order_by("-taken_at", "-pk")[:RECENT_LIMIT]
    )
    limits = effective_limits(access.patient)
    _audit_view(access, actor, "records.HomeReadings", "recent")
    return [Judged(reading, assess(reading, limits).level) for reading in readings]


def reading_detail(*, access: Access, actor: User, reading_id: int) -> tuple[HomeReading, CareTask | None] | None:
    """One reading and the task it made, if any."""
    reading = HomeReading.objects.filter(patient=access.patient, pk=reading_id).select_related("entered_by").first()
    if reading is None:
        return None
    task = CareTask.objects.filter(reading=reading).first()
    _audit_view(access, actor, "records.HomeReading", reading.pk)
    return reading, task


def patient_limits(*, access: Access, actor: User) -> dict[str, Limits]:
    """The limits for this patient's home readings, for the staff page that sets them."""
    limits = effective_limits(access.patient)
    _audit_view(access, actor, "records.ReadingThreshold")
    return limits


def correctable_item(*, access: Access, actor: User, item_id: int) -> RecordItem | None:
    """A problem, medication, allergy or immunization this person may see, to report a mistake in."""
    item = visible_items(access).filter(pk=item_id, kind__in=CORRECTABLE).select_related("source").first()
    if item is not None:
        audit.record_access(
            access, actor=actor, action=AuditEvent.Action.VIEW, obj=item, confidential=item.confidential
        )
    return item


def correction_detail(*, access: Access, actor: User, task_id: int) -> CareTask | None:
    """A correction someone reported for this patient (the confirmation page)."""
    task = (
        CareTask.objects.filter(patient=access.patient, kind=CareTask.Kind.CORRECTION, pk=task_id)
        .select_related("item__source")
        .first()
    )
    if task is None or (task.item is not None and not visible_items(access).filter(pk=task.item.pk).exists()):
        return None
    _audit_view(access, actor, "records.CareTask", task.pk)
    return task
