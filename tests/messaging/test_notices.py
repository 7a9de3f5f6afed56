"""Notices as rows: who hears of what, written with their cause, sent once, never lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from messaging import notifications
from messaging.links import read_link
from messaging.models import Message, Thread
from messaging.services.threads import thread_claim, thread_reassign, thread_reply
from portal.factories import ProxyGrantFactory
from portal.models import Notice, ProxyGrant, Scope
from portal.services import outbox
from tests.messaging.conftest import Clinic

pytestmark = pytest.mark.django_db

Kind = notifications.Kind
Channel = Notice.Channel
MAX_ATTEMPTS = outbox.MAX_ATTEMPTS
notice_deliver, notice_sweep, staff_digest = outbox.deliver, outbox.sweep, outbox.staff_digest


def staff_reply(clinic: Clinic, thread: Thread, body: str = "Here is the answer") -> Message:
    user = clinic.nurse_ana.user
    return thread_reply(access=clinic.access(user), actor=user, thread_id=thread.pk, body=body)


def reply_notices() -> list[tuple[int, str]]:
    return sorted(Notice.objects.filter(kind=Kind.REPLY_WAITING).values_list("user_id", "channel"))


# -- who hears of a reply ---------------------------------------------------------------------------------------


def test_the_patient_and_caregivers_with_the_messaging_scope_hear_of_a_reply_as_each_chose(clinic: Clinic) -> None:
    texting = ProxyGrantFactory(
        patient=clinic.patient, scopes=[Scope.MESSAGING], grantee__notify_by_email=False
    ).grantee
    texting.notify_by_sms, texting.phone = True, "+15555550100"
    texting.save()
    ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.RECORDS, Scope.BILLING])  # no messaging scope
    ProxyGrantFactory(patient=clinic.patient, status=ProxyGrant.Status.REVOKED, ended_at=timezone.now())
    ProxyGrantFactory(patient=clinic.patient, ends_at=timezone.now())  # past its end, not yet swept
    thread = clinic.start()

    staff_reply(clinic, thread)

    assert reply_notices() == sorted([(clinic.patient.user.pk, Channel.EMAIL), (texting.pk, Channel.SMS)])


def test_a_second_reply_before_the_first_notice_is_sent_adds_nothing(clinic: Clinic) -> None:
    thread = clinic.start()
    staff_reply(clinic, thread)

    staff_reply(clinic, thread, "And one more thing")

    assert reply_notices() == [(clinic.patient.user.pk, Channel.EMAIL)]


def test_a_reply_after_the_last_notice_was_sent_is_a_new_notice(clinic: Clinic) -> None:
    thread = clinic.start()
    staff_reply(clinic, thread)
    assert notice_deliver(Notice.objects.get(kind=Kind.REPLY_WAITING).pk) is True

    staff_reply(clinic, thread, "And one more thing")

    assert Notice.objects.filter(kind=Kind.REPLY_WAITING, sent_at__isnull=True).count() == 1
    assert Notice.objects.filter(kind=Kind.REPLY_WAITING).count() == 2


def test_a_notice_is_undone_with_the_change_that_caused_it(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(RuntimeError), transaction.atomic():
        staff_reply(clinic, thread)
        raise RuntimeError("the request failed after the reply")

    assert Notice.objects.filter(kind=Kind.REPLY_WAITING).count() == 0


def test_writing_a_notice_outside_a_transaction_is_refused(db: None) -> None:
    # pytest-django wraps each test in a transaction; leave it to act as a caller without one.
    atomic = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            notifications.sla_at_risk([])
    finally:
        connection.in_atomic_block = atomic


# -- what they read -----------------------------------------------------------------------------------------------


def test_the_email_says_only_that_a_reply_is_waiting_with_a_link_for_that_person(clinic: Clinic) -> None:
    thread = clinic.start(subject="Rash on my arm", body="It itches")
    staff_reply(clinic, thread, "Use the cream twice a day")
    notice = Notice.objects.get(kind=Kind.REPLY_WAITING)

    assert notice_deliver(notice.pk) is True

    [email] = mail.outbox
    assert (email.to, email.subject) == ([clinic.patient.user.email], "A reply is waiting in your patient portal")
    for secret in ("Rash", "itches", "cream", "Nurse", "triage", "Ana", "Lopez", clinic.patient.family_name):
        assert secret not in email.subject + email.body
    [link] = [line for line in email.body.splitlines() if line.startswith(settings.SITE_URL)]
    target = read_link(link.removeprefix(settings.SITE_URL).removeprefix("/m/").rstrip("/"))
    assert target is not None
    assert (target.user_id, target.thread_id, target.expired) == (clinic.patient.user.pk, thread.pk, False)


def test_the_text_says_only_that_a_reply_is_waiting_with_a_link(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = clinic.patient.user
    user.phone, user.notify_by_sms = "+15555550100", True
    user.save()
    thread = clinic.start(subject="Rash on my arm", body="It itches")
    staff_reply(clinic, thread, "Use the cream twice a day")
    texts: list[tuple[str, str]] = []
    monkeypatch.setattr(outbox, "send_sms", lambda *, to, body: texts.append((to, body)))

    assert notice_deliver(Notice.objects.get(kind=Kind.REPLY_WAITING, channel=Channel.SMS).pk) is True

    [(to, body)] = texts
    assert to == "+15555550100"
    assert body.startswith(f"Patient portal: a reply is waiting for you. {settings.SITE_URL}/m/")
    for secret in ("Rash", "itches", "cream", "Nurse", "triage", "Ana", "Lopez", clinic.patient.family_name):
        assert secret not in body


def test_each_person_reads_it_in_their_own_language(clinic: Clinic) -> None:
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.MESSAGING], grantee__language="es").grantee
    thread = clinic.start()
    staff_reply(clinic, thread)

    for notice in Notice.objects.filter(kind=Kind.REPLY_WAITING):
        notice_deliver(notice.pk)

    signed = {email.to[0]: email.body.splitlines()[-1] for email in mail.outbox}
    assert signed == {clinic.patient.user.email: "Patient Portal", carer.email: "Portal del paciente"}


# -- sent once, never lost -------------------------------------------------------------------------------------


def one_waiting_email(clinic: Clinic) -> Notice:
    thread = clinic.start()
    staff_reply(clinic, thread)
    return Notice.objects.get(kind=Kind.REPLY_WAITING)


def test_a_notice_is_sent_once_however_often_it_is_delivered(clinic: Clinic) -> None:
    notice = one_waiting_email(clinic)

    assert [notice_deliver(notice.pk), notice_deliver(notice.pk)] == [True, False]

    notice.refresh_from_db()
    assert (notice.attempts, notice.last_error, notice.sent_at is not None, len(mail.outbox)) == (1, "", True, 1)


def test_a_failed_send_is_counted_and_retried_by_the_sweep_after_a_wait(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = one_waiting_email(clinic)
    monkeypatch.setattr(outbox, "send_mail", lambda *args: (_ for _ in ()).throw(ConnectionRefusedError("x@y.z")))

    assert notice_deliver(notice.pk) is False
    notice.refresh_from_db()
    assert (notice.attempts, notice.last_error, notice.sent_at) == (1, "ConnectionRefusedError", None)

    monkeypatch.undo()
    made = notice.created_at
    assert notice_sweep(now=made + timedelta(minutes=9)) == {"due": 0, "sent": 0}  # waiting 10 minutes after 1 try
    assert notice_sweep(now=made + timedelta(minutes=10)) == {"due": 1, "sent": 1}
    assert len(mail.outbox) == 1


def test_the_sweep_gives_up_after_the_last_attempt(clinic: Clinic) -> None:
    notice = one_waiting_email(clinic)
    Notice.objects.filter(pk=notice.pk).update(attempts=MAX_ATTEMPTS, last_error="SMTPServerDisconnected")

    assert notice_sweep(now=notice.created_at + timedelta(days=30)) == {"due": 0, "sent": 0}
    assert notice_deliver(notice.pk) is False
    assert mail.outbox == []


def test_the_sweep_leaves_a_fresh_notice_to_its_after_commit_delivery(clinic: Clinic) -> None:
    notice = one_waiting_email(clinic)

    assert notice_sweep(now=notice.created_at + timedelta(minutes=1)) == {"due": 0, "sent": 0}
    assert notice_sweep(now=notice.created_at + timedelta(minutes=2)) == {"due": 1, "sent": 1}


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_mid_send_loses_nothing(clinic: Clinic) -> None:
    notice = one_waiting_email(clinic)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_BACKEND": "tests.messaging.crash_mail.DyingEmailBackend",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    # The child process has no pinned clock: it sends at the notice's own time.
    code = (
        "import django; django.setup(); from datetime import datetime; from portal.services.outbox import deliver; "
        f"deliver({notice.pk}, now=datetime.fromisoformat('{notice.due_at.isoformat()}'))"
    )

    # A real second process locks the row, starts sending, and dies without a word.
    died = subprocess.run([sys.executable, "-c", code], env=env, cwd=Path(settings.BASE_DIR), timeout=60, check=False)

    assert died.returncode == 9
    notice.refresh_from_db()
    assert (notice.sent_at, notice.attempts) == (None, 0)  # its transaction died with it: the lock too
    assert notice_sweep(now=notice.created_at + timedelta(minutes=2)) == {"due": 1, "sent": 1}
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_once(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = one_waiting_email(clinic)
    sending, finish = threading.Event(), threading.Event()
    real_send_mail = outbox.send_mail

    def slow_send_mail(*args: object) -> int:
        sending.set()
        finish.wait(10)  # the first worker is mid-send, holding the row's lock
        return real_send_mail(*args)

    monkeypatch.setattr(outbox, "send_mail", slow_send_mail)
    results: list[bool] = []

    def first_worker() -> None:
        try:
            results.append(notice_deliver(notice.pk))
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert sending.wait(10)
    try:
        second = notice_deliver(notice.pk)
    finally:
        finish.set()
        worker.join()

    assert (results, second, len(mail.outbox)) == ([True], False, 1)
    assert notice_deliver(notice.pk) is False  # and afterwards it is known as sent


# -- staff ---------------------------------------------------------------------------------------------------------


def staff_notices(kind: str) -> list[tuple[int, int]]:
    return sorted(Notice.objects.filter(kind=kind, channel=Channel.IN_APP).values_list("target_id", "user_id"))


def test_a_new_thread_tells_the_active_members_of_its_pool_and_its_owner(clinic: Clinic) -> None:
    clinic.nurse_ana.is_active = False
    clinic.nurse_ana.save()
    ben_first = clinic.start()
    clinic.nurse_ben.is_active = False
    clinic.nurse_ben.save()

    lead_next = clinic.start()  # nobody left in the pool: its lead answers

    assert (ben_first.owner, lead_next.owner) == (clinic.nurse_ben, clinic.nurse_lead)
    assert staff_notices(Kind.NEW_THREAD) == [
        (ben_first.pk, clinic.nurse_ben.user.pk),
        (lead_next.pk, clinic.nurse_lead.user.pk),
    ]
    assert Notice.objects.filter(sent_at__isnull=True).count() == 0  # in the portal: nothing to send


def test_a_reassigned_thread_tells_its_new_owner_but_taking_one_yourself_does_not(clinic: Clinic) -> None:
    thread = clinic.start()
    ana = clinic.nurse_ana.user
    thread_reassign(
        access=clinic.access(ana), actor=ana, thread_id=thread.pk, to_staff_id=clinic.nurse_ben.pk, note="Ben knows her"
    )
    assert staff_notices(Kind.ASSIGNED) == [(thread.pk, clinic.nurse_ben.user.pk)]

    lead = clinic.nurse_lead.user
    thread_claim(access=clinic.access(lead), actor=lead, thread_id=thread.pk)

    assert staff_notices(Kind.ASSIGNED) == [(thread.pk, clinic.nurse_ben.user.pk)]


def test_the_digest_counts_what_is_new_for_each_person_once_and_names_nobody(clinic: Clinic) -> None:
    first = clinic.start(subject="Rash on my arm")
    clinic.start(subject="Cough for a week")
    with transaction.atomic():
        notifications.sla_at_risk([(first.pk, clinic.nurse_ana.pk, clinic.patient.pk)])
    read = Notice.objects.filter(user=clinic.nurse_ben.user).first()
    outbox.mark_read(user=clinic.nurse_ben.user, notice_id=read.pk)

    assert staff_digest() == {"sent": 2, "failed": 0}

    emails = {email.to[0]: email for email in mail.outbox}
    ana = emails[clinic.nurse_ana.user.email]
    assert "- 2 new messages in Nurse triage\n- 1 answer due soon\n" in ana.body
    assert f"{settings.SITE_URL}/staff/messaging/" in ana.body
    assert "- 1 new message in Nurse triage\n" in emails[clinic.nurse_ben.user.email].body
    for email in mail.outbox:
        for secret in ("Rash", "Cough", clinic.patient.family_name, clinic.patient.given_name):
            assert secret not in email.subject + email.body
    assert Notice.objects.filter(digested_at__isnull=True, read_at__isnull=True).count() == 0
    assert staff_digest() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 2


def test_no_digest_for_anyone_with_nothing_new(clinic: Clinic) -> None:
    clinic.start()
    outbox.mark_all_read(user=clinic.nurse_ana.user)
    outbox.mark_all_read(user=clinic.nurse_ben.user)

    assert staff_digest() == {"sent": 0, "failed": 0}
    assert mail.outbox == []


def test_one_persons_failed_digest_is_kept_for_the_next_run(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    clinic.start()
    real_send_mail = outbox.send_mail

    def send_mail(subject: str, body: str, sender: None, to: list[str]) -> int:
        if to == [clinic.nurse_ana.user.email]:
            raise ConnectionResetError
        return real_send_mail(subject, body, sender, to)

    monkeypatch.setattr(outbox, "send_mail", send_mail)

    assert staff_digest() == {"sent": 1, "failed": 1}
    assert Notice.objects.filter(user=clinic.nurse_ana.user, digested_at__isnull=True).count() == 1
    monkeypatch.undo()
    assert staff_digest() == {"sent": 1, "failed": 0}
    assert [email.to for email in mail.outbox] == [[clinic.nurse_ben.user.email], [clinic.nurse_ana.user.email]]
