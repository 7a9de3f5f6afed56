"""Reminders as rows: the schedule, quiet hours, and a sweep that sends each once and loses none
when a worker dies mid-sweep."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction

from portal.services import outbox
from scheduling.models import Reminder, ReminderPreference, SchedulingSettings
from scheduling.services.reminders import outside_quiet_hours, reminders_sweep
from tests.scheduling.conftest import CHICAGO, NOW, Clinic, at

QUIET = {"quiet_from": time(21), "quiet_until": time(8), "zone": CHICAGO}


def test_a_reminder_in_quiet_hours_waits_until_they_end() -> None:
    visit = at(2026, 3, 10, 9)

    assert outside_quiet_hours(at(2026, 3, 9, 9), visit_starts=visit, **QUIET) == at(2026, 3, 9, 9)
    assert outside_quiet_hours(at(2026, 3, 9, 22), visit_starts=visit, **QUIET) == at(2026, 3, 10, 8)
    # 7:00 for a 9:00 visit would wait until 8:00, still before the visit.
    assert outside_quiet_hours(at(2026, 3, 10, 7), visit_starts=visit, **QUIET) == at(2026, 3, 10, 8)
    # 6:00 for an 8:00 visit: the end of quiet hours is the visit itself, so the evening before.
    assert outside_quiet_hours(at(2026, 3, 10, 6), visit_starts=at(2026, 3, 10, 8), **QUIET) == at(2026, 3, 9, 20, 45)


def test_reminders_follow_the_schedule_channels_and_the_patients_quiet_hours(clinic: Clinic) -> None:
    SchedulingSettings.objects.create(organization=clinic.organization, reminder_offsets_minutes=[1440, 60])
    ReminderPreference.objects.create(patient=clinic.patient, quiet_from=time(22), quiet_until=time(9))
    user = clinic.patient.user
    user.phone, user.notify_by_sms = "(312) 555-0142", True
    user.save()

    visit = clinic.book(at(2026, 3, 10, 9, 30))

    assert sorted(Reminder.objects.filter(appointment=visit).values_list("offset_minutes", "channel", "due_at")) == [
        # An hour before is 8:30, in the patient's quiet hours until 9:00.
        (60, "email", at(2026, 3, 10, 9)),
        (60, "sms", at(2026, 3, 10, 9)),
        (1440, "email", at(2026, 3, 9, 9, 30)),
        (1440, "sms", at(2026, 3, 9, 9, 30)),
    ]


def test_the_sweep_sends_due_reminders_once_with_links_and_no_clinical_content(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))

    first = reminders_sweep(at(2026, 3, 9, 9, 1))
    second = reminders_sweep(at(2026, 3, 9, 9, 2))

    assert (dict(first), dict(second)) == ({"sent": 2}, {})  # the week and the day before
    assert len(mail.outbox) == 2
    body = mail.outbox[0].body
    assert "You have an appointment at Lakeside Primary Care on Tue 10 Mar 2026, 9:00 a.m." in body
    assert "/appointments/link/" in body
    assert "Follow-up" not in body and clinic.dr_kim.user.full_name not in body
    assert Reminder.objects.filter(appointment=visit, sent_at__isnull=True).count() == 1


def test_a_cancelled_visit_is_not_reminded(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))
    Reminder.objects.filter(appointment=visit).update(skipped_at=None)
    visit.status, visit.cancelled_at = "cancelled", NOW
    visit.save()

    assert dict(reminders_sweep(at(2026, 3, 10, 8))) == {"skipped": 3}
    assert mail.outbox == []


class WorkerDied(BaseException):
    """What a killed worker looks like from inside: not an error the sweep may catch."""


def test_a_worker_dying_mid_sweep_loses_nothing_and_sends_nothing_twice(clinic: Clinic, monkeypatch) -> None:
    patients = [clinic.patient] + [clinic.new_patient() for _ in range(3)]
    for index, patient in enumerate(patients):
        clinic.book(at(2026, 3, 10, 9) + timedelta(minutes=30 * index), patient=patient)
    real_send = outbox.send_mail
    calls = {"count": 0}

    def dies_on_the_third(*message: object) -> int:
        calls["count"] += 1
        if calls["count"] == 3:
            raise WorkerDied
        return real_send(*message)

    monkeypatch.setattr(outbox, "send_mail", dies_on_the_third)
    with pytest.raises(WorkerDied):
        reminders_sweep(at(2026, 3, 3, 12))  # the four week-before reminders are due
    assert Reminder.objects.filter(offset_minutes=10080, sent_at__isnull=False).count() == 2

    monkeypatch.setattr(outbox, "send_mail", real_send)
    assert dict(reminders_sweep(at(2026, 3, 3, 12, 1))) == {"sent": 2}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(patient.user.email for patient in patients)


@pytest.mark.django_db(transaction=True)
def test_a_reminder_locked_by_a_dying_worker_is_skipped_then_sent_after_it_dies(clinic: Clinic) -> None:
    clinic.book(at(2026, 3, 10, 9))
    clinic.book(at(2026, 3, 10, 10), patient=clinic.new_patient())
    locked = Reminder.objects.filter(offset_minutes=10080).order_by("pk").first()
    assert locked is not None
    has_lock, may_die = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            with transaction.atomic():
                Reminder.objects.select_for_update().get(pk=locked.pk)
                has_lock.set()
                may_die.wait(timeout=60)
                raise WorkerDied  # mid-send: the transaction never commits
        except WorkerDied:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert has_lock.wait(timeout=60)
    during = reminders_sweep(at(2026, 3, 3, 12))
    may_die.set()
    thread.join(timeout=60)
    after = reminders_sweep(at(2026, 3, 3, 12, 1))

    assert (dict(during), dict(after)) == ({"sent": 1}, {"sent": 1})
    assert Reminder.objects.filter(offset_minutes=10080, sent_at__isnull=True).count() == 0
    assert len(mail.outbox) == 2
