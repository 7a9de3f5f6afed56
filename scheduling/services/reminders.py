"""Reminders as rows: made when a visit is booked (one per time in the organization's schedule and
channel the patient wants), each moved out of the patient's quiet hours, and sent once by the
reminder sweep with confirm and cancel links."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from scheduling import links, notifications
from scheduling.models import Appointment, Reminder, ReminderPreference
from scheduling.services.common import settings_for
from scheduling.services.outbox import deliver

# When the end of quiet hours is too late for a reminder, it goes this long before they start.
BEFORE_QUIET = timedelta(minutes=15)


def _in_quiet(at: time, quiet_from: time, quiet_until: time) -> bool:
    if quiet_from == quiet_until:
        return False
    if quiet_from < quiet_until:
        return quiet_from <= at < quiet_until
    return at >= quiet_from or at < quiet_until  # overnight, e.g. 21:00-08:00


def outside_quiet_hours(
    due: datetime, *, quiet_from: time, quiet_until: time, zone: ZoneInfo, visit_starts: datetime
) -> datetime:
    """`due`, or the end of the quiet hours it falls in; if that is not before the visit, just
    before those quiet hours began (the caller drops a time already past)."""
    local = due.astimezone(zone)
    if not _in_quiet(local.timetz().replace(tzinfo=None), quiet_from, quiet_until):
        return due
    ends = datetime.combine(local.date(), quiet_until, tzinfo=zone)
    if ends <= local:
        ends += timedelta(days=1)
    if ends < visit_starts:
        return ends
    began = datetime.combine(local.date(), quiet_from, tzinfo=zone)
    if began > local:
        began -= timedelta(days=1)
    return began - BEFORE_QUIET


def schedule_reminders(*, appointment: Appointment, now: datetime) -> list[Reminder]:
    """The reminder rows of a newly booked visit (none already due: the booking confirms it)."""
    patient = appointment.patient
    channels = notifications.channels_for(patient)
    if not channels:
        return []
    settings = settings_for(appointment.organization_id)
    preference = ReminderPreference.objects.filter(patient=patient).first()
    quiet = preference or settings
    zone = ZoneInfo(appointment.visit_type.organization.time_zone)
    rows = []
    for offset in sorted(set(settings.reminder_offsets_minutes), reverse=True):
        due = outside_quiet_hours(
            appointment.starts_at - timedelta(minutes=offset),
            quiet_from=quiet.quiet_from,
            quiet_until=quiet.quiet_until,
            zone=zone,
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
    """Send one reminder (its row locked by the caller) and stamp it; or skip it if the visit is
    no longer booked or already started, or the patient has no address for the channel."""
    appointment = reminder.appointment
    patient = appointment.patient
    address = notifications.address_for(patient, reminder.channel)
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= now or not address:
        reminder.skipped_at = now
        reminder.save(update_fields=["skipped_at"])
        return "skipped"
    subject, body = notifications.reminder_message(
        patient=patient,
        organization=appointment.organization,
        starts_at=appointment.starts_at,
        confirm=links.link(links.CONFIRM, links.make_token(links.CONFIRM, appointment.pk)),
        cancel=links.link(links.CANCEL, links.make_token(links.CANCEL, appointment.pk)),
    )
    notifications.send(channel=reminder.channel, to=address, subject=subject, body=body)
    reminder.sent_at = now
    reminder.save(update_fields=["sent_at"])
    return "sent"


def reminders_sweep(now: datetime | None = None) -> Counter[str]:
    """Send every due reminder once (a beat task every minute). Safe to run twice or at once."""
    now = now or timezone.now()
    return deliver(lambda: due_reminders(now), lambda reminder: send_reminder(reminder, now))
