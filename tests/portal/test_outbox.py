"""The one notification outbox: rows written with their cause, sent after commit, once, retried
with growing waits up to five attempts; the channel rules (preferences, quiet hours, language,
words made only by the kind's renderer)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.factories import UserFactory
from portal.models import Notice, User
from portal.services import outbox
from tests.clock import CLINIC_ZONE, Clock

pytestmark = pytest.mark.django_db

KIND = "test_waiting"


def words(notice: Notice) -> outbox.Words:
    # Only what the renderer makes reaches a person: a fixed sentence, in their language, and the link.
    return outbox.Words(_("Sign in"), f"{_('Sign in')} {notice.link}", f"{_('Sign in')} {notice.link}")


outbox.register(KIND, "Something is waiting", render=words)


def texting(**fields: object) -> User:
    return UserFactory(phone="+15555550100", notify_by_sms=True, **fields)


def enqueue(user: User | None = None, key: str = "k1", **fields: object) -> list[int]:
    with transaction.atomic():
        return outbox.enqueue(kind=KIND, key=key, user=user, link="/somewhere/", **fields)  # type: ignore[arg-type]


def test_the_same_key_twice_is_one_notice() -> None:
    user = UserFactory()

    enqueue(user)
    enqueue(user)

    assert list(Notice.objects.values_list("key", "channel")) == [("k1:email", "email")]


def test_each_person_hears_by_the_channels_they_chose_and_have_an_address_for() -> None:
    email_only, text_only, both = UserFactory(), texting(notify_by_email=False), texting()
    nothing = UserFactory(notify_by_email=False)
    gone = texting(is_active=False)

    for user in (email_only, text_only, both, nothing, gone):
        enqueue(user, key=f"k{user.pk}")
    enqueue(None, key="invited", email="someone@example.org")

    assert set(Notice.objects.values_list("user_id", "email", "channel")) == {
        (email_only.pk, "", "email"),
        (text_only.pk, "", "sms"),
        (both.pk, "", "email"),
        (both.pk, "", "sms"),
        (None, "someone@example.org", "email"),
    }


def test_a_channel_asked_for_is_used_only_if_the_person_chose_it() -> None:
    user = UserFactory()

    enqueue(user, channels=["sms"])

    assert Notice.objects.count() == 0


def test_an_unknown_kind_or_a_notice_outside_a_transaction_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown notice kind"), transaction.atomic():
        outbox.enqueue(kind="no_such_kind", key="x", user=UserFactory())
    atomic = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            outbox.enqueue(kind=KIND, key="x", user=UserFactory())
    finally:
        connection.in_atomic_block = atomic


def test_a_notice_is_handed_to_the_worker_after_commit_and_not_before(
    django_capture_on_commit_callbacks, eager_tasks
) -> None:
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        enqueue(user)
    assert (len(queued), mail.outbox) == (1, [])

    queued[0]()  # the commit: the (eager) task sends it

    assert [message.to for message in mail.outbox] == [[user.email]]
    assert Notice.objects.get().sent_at is not None


def test_a_rolled_back_change_leaves_no_notice(django_capture_on_commit_callbacks) -> None:
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as queued, pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(kind=KIND, key="k", user=user, link="/x/")
        raise RuntimeError("the change failed")

    assert (Notice.objects.count(), queued) == (0, [])


def test_a_text_waits_out_quiet_hours_and_the_sweep_sends_it(clock: Clock) -> None:
    evening = datetime(2026, 12, 9, 22, 0, tzinfo=CLINIC_ZONE)
    clock.move_to(evening, tick=False)
    user = texting()

    handed = enqueue(user)

    email, sms = Notice.objects.get(channel="email"), Notice.objects.get(channel="sms")
    morning = datetime(2026, 12, 10, 8, 0, tzinfo=CLINIC_ZONE)
    assert (email.due_at, sms.due_at, handed) == (evening, morning, [email.pk])
    assert outbox.deliver(sms.pk, now=evening) is False  # not before the quiet hours end
    assert outbox.sweep(now=morning + timedelta(minutes=1)) == {"due": 1, "sent": 1}  # the email
    assert outbox.sweep(now=morning + timedelta(minutes=2)) == {"due": 1, "sent": 1}  # the text
    assert Notice.objects.filter(sent_at__isnull=True).count() == 0


def test_quiet_hours_across_midnight_or_within_a_day() -> None:
    overnight = outbox.QuietHours(time(21), time(8), CLINIC_ZONE)
    afternoon = outbox.QuietHours(time(13), time(15), CLINIC_ZONE)
    at = lambda hour, minute=0: datetime(2026, 12, 9, hour, minute, tzinfo=CLINIC_ZONE)  # noqa: E731

    assert [overnight.holds(at(h)) for h in (7, 8, 20, 21, 23)] == [True, False, False, True, True]
    assert overnight.end_after(at(7, 30)) == at(8)
    assert overnight.end_after(at(23)) == at(8) + timedelta(days=1)
    assert overnight.end_after(at(12)) == at(12)
    assert afternoon.end_after(at(14)) == at(15)
    assert afternoon.start_before(at(14)) == at(13)


def test_a_failing_send_is_retried_with_growing_waits_and_given_up_after_five(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    clock.move_to(datetime(2026, 12, 9, 10, 0, tzinfo=CLINIC_ZONE), tick=False)
    user = UserFactory()
    [pk] = enqueue(user)
    monkeypatch.setattr(outbox, "send_mail", lambda *args: (_ for _ in ()).throw(ConnectionRefusedError("a@b.c")))
    made = Notice.objects.get().due_at

    assert outbox.deliver(pk) is False  # the after-commit try
    waits = [timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6)]
    for attempts, wait in enumerate(waits, start=1):
        assert outbox.sweep(now=made + wait - timedelta(seconds=1)) == {"due": 0, "sent": 0}
        assert outbox.sweep(now=made + wait) == {"due": 1, "sent": 0}
        assert Notice.objects.get().attempts == attempts + 1

    notice = Notice.objects.get()
    assert (notice.attempts, notice.last_error, notice.sent_at) == (outbox.MAX_ATTEMPTS, "ConnectionRefusedError", None)
    monkeypatch.undo()
    assert outbox.sweep(now=made + timedelta(days=30)) == {"due": 0, "sent": 0}
    assert outbox.deliver(pk, now=made + timedelta(days=30)) is False
    assert mail.outbox == []


def test_it_is_sent_once_in_the_readers_language_with_only_the_renderers_words() -> None:
    user = UserFactory(language="es")
    [pk] = enqueue(user)

    assert [outbox.deliver(pk), outbox.deliver(pk)] == [True, False]

    [message] = mail.outbox
    with translation.override("es"):
        expected = _("Sign in")
    assert message.subject == expected
    assert message.body == f"{expected} /somewhere/"
    notice = Notice.objects.get()
    assert (notice.attempts, notice.link) == (1, "")  # no working link is kept once sent


def test_an_account_less_email_goes_to_its_address_in_the_language_given() -> None:
    with transaction.atomic():
        [pk] = outbox.enqueue(kind=KIND, key="invite", email="new@example.org", link="/join/", language="es")

    assert outbox.deliver(pk) is True
    assert [message.to for message in mail.outbox] == [["new@example.org"]]


def test_a_kind_is_registered_once() -> None:
    outbox.register(KIND, "Something is waiting", render=words)  # the same again: harmless

    with pytest.raises(ValueError, match="already registered"):
        outbox.register(KIND, "Something else", render=words)
