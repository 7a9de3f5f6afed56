"""Reminders as rows: made when a visit is booked (one per time in the organization's schedule and
channel the patient wants), each moved out of the patient's quiet hours, and sent once by the
reminder sweep with confirm and cancel links."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from portal.services.outbox import QuietHours
from scheduling import notifications
from scheduling.models import Appointment, Reminder, ReminderPreference
from scheduling.services.common import settings_for
from scheduling.services.delivery import deliver

# When the end of quiet hours is too late for a reminder, it goes this long before they start.
BEFORE_QUIET = timedelta(minutes=15)


def quiet_hours(patient_id: UUID | str, organization_id: int, zone: ZoneInfo) -> QuietHours:
    """The patient's own quiet hours, or their clinic's."""
    quiet = ReminderPreference.objects.filter(patient_id=patient_id).first() or settings_for(organization_id)
    return QuietHours(quiet.quiet_from, quiet.quiet_until, zone)


def outside_quiet_hours(
    due: datetime, *, quiet_from: time, quiet_until: time, zone: ZoneInfo, visit_starts: datetime
) -> datetime:
    """`due`, or the end of the quiet hours it falls in; if that is not before the visit, just
    before those quiet hours began (the caller drops a time already past)."""
    quiet = QuietHours(quiet_from, quiet_until, zone)
    ends = quiet.end_after(due)
    if ends == due or ends < visit_starts:
        return ends
    return quiet.start_before(due) - BEFORE_QUIET


def schedule_reminders(*, appointment: Appointment, now: datetime) -> list[Reminder]:
    """The reminder rows of a newly booked visit (none already due: the booking confirms it)."""
    patient = appointment.patient
    channels = notifications.reachable(patient)
    if not channels:
        return []
    settings = settings_for(appointment.organization_id)
    quiet = quiet_hours(
        patient.pk, appointment.organization_id, ZoneInfo(appointment.visit_type.organization.time_zone)
    )
    rows = []
    for offset in sorted(set(settings.reminder_offsets_minutes), reverse=True):
        due = outside_quiet_hours(
            appointment.starts_at - timedelta(minutes=offset),
            quiet_from=quiet.starts,
            quiet_until=quiet.ends,
            zone=quiet.zone,
            visit_starts=appointment.starts_at,
        )
        if due <= now:
            continue
        rows += [
            Reminder(appointment=appointment, offset_minutes=offset, channel=channel, due_at=due, created_at=now)
            for channel in channels
        ]
    return Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def skip_reminders(*, appointment: Appointment, now: datetime) -> int:
    """A cancelled or moved visit: its unsent reminders are not sent."""
    return Reminder.objects.filter(appointment=appointment, sent_at__isnull=True, skipped_at__isnull=True).update(
        skipped_at=now
    )


def due_reminders(now: datetime) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(sent_at__isnull=True, skipped_at__isnull=True, due_at__lte=now)
        .select_related("appointment__patient__user", "appointment__organization")
        .order_by("due_at", "pk")
    )


def send_reminder(reminder: Reminder, now: datetime) -> str:
    """Hand one reminder (its row locked by the caller) to the outbox, which sends it at once, and
    stamp it; or skip it if the visit is no longer booked or already started, or the patient can
    no longer be reached by its channel."""
    appointment = reminder.appointment
    patient = appointment.patient
    if (
        appointment.status != Appointment.Status.BOOKED
        or appointment.starts_at <= now
        or reminder.channel not in notifications.reachable(patient)
    ):
        reminder.skipped_at = now
        reminder.save(update_fields=["skipped_at"])
        return "skipped"
    notifications.enqueue(
        patient=patient,
        kind=notifications.Kind.REMINDER,
        key=f"reminder:{reminder.pk}",
        target_id=appointment.pk,
        channels=[reminder.channel],
        quiet=quiet_hours(patient.pk, appointment.organization_id, ZoneInfo(appointment.organization.time_zone)),
        now=now,
        send_now=True,
    )
    reminder.sent_at = now
    reminder.save(update_fields=["sent_at"])
    return "sent"


def reminders_sweep(now: datetime | None = None) -> Counter[str]:
    """Send every due reminder once (a beat task every minute). Safe to run twice or at once."""
    now = now or timezone.now()
    return deliver(lambda: due_reminders(now), lambda reminder: send_reminder(reminder, now))
