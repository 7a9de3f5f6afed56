"""The one notification outbox: every app tells people something is waiting through here.

Apps register their kinds of notice (`register`) with a renderer, and `enqueue` rows INSIDE the
transaction of the change that causes them: a rollback un-says them, and email and text notices
are handed to a worker after commit (`portal.deliver_notices`); a beat sweep sends whatever that
missed, with growing waits, up to MAX_ATTEMPTS. Never twice: a notice is sent while its row is
locked (FOR UPDATE SKIP LOCKED) and `sent_at` is stamped in the same transaction; each notice's
unique `key` makes writing it twice harmless.

The channel rules live here and nowhere else:
- preferences: email and texts only as the recipient chose (`notify_by_email`, `notify_by_sms`)
  and has an address for; in-app notices for staff, read in the portal and gathered into a digest;
- quiet hours: a text is not sent in the recipient's quiet hours, it waits for their end;
- no clinical content: `enqueue` takes ids, never words; the words are made when sending, by the
  kind's renderer, and say only that something is waiting, with a signed link (portal.links);
- language: the renderer runs in the recipient's language.
Logs carry ids only.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Notice, StaffMember, User
from portal.queue import queue_task
from portal.services.notify import send_sms

log = logging.getLogger(__name__)

Channel = Notice.Channel

# How long after a notice was due the sweep may try it again, by attempts made so far. The first
# wait leaves the after-commit delivery time to do its work; after the last, it gives up (the row
# keeps `last_error` for whoever looks).
RETRY_AFTER = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_AFTER)
SWEEP_LIMIT = 500


# -- kinds: what each app's notices say ---------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """What a notice says, made when it is sent, in the recipient's language: an email's subject
    and body and a text message. Only that something is waiting, and a link."""

    subject: str
    body: str
    sms: str


@dataclass(frozen=True)
class Digest:
    """A group of in-app kinds gathered into the staff digest: its lines (counts, never a name or
    a subject) and the closing line with a link to where they are read."""

    lines: Callable[[list[Notice]], list[str]]
    footer: Callable[[], str]


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # a lazy translation
    render: Callable[[Notice], Words] | None = None
    digest: Digest | None = None


_KINDS: dict[str, Kind] = {}


def register(
    name: str, label: object, *, render: Callable[[Notice], Words] | None = None, digest: Digest | None = None
) -> None:
    """An app's kind of notice (from its AppConfig.ready): `render` for email and text notices,
    `digest` for in-app ones. Registering the same name twice is a mistake, unless it is the same."""
    name = str(name)
    kind = Kind(name, label, render, digest)
    if _KINDS.get(name, kind) != kind:
        raise ValueError(f"notice kind {name!r} is already registered")
    _KINDS[name] = kind


def kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return str(kind.label) if kind else name


def _kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notice kind {name!r}: register it first") from None


# -- channel rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """No texts from `starts` until `ends` (local times in `zone`; overnight when `ends` is earlier)."""

    starts: time
    ends: time
    zone: ZoneInfo

    def holds(self, at: datetime) -> bool:
        local = at.astimezone(self.zone).timetz().replace(tzinfo=None)
        if self.starts == self.ends:
            return False
        if self.starts < self.ends:
            return self.starts <= local < self.ends
        return local >= self.starts or local < self.ends  # overnight, e.g. 21:00-08:00

    def end_after(self, at: datetime) -> datetime:
        """`at`, or the end of the quiet hours it falls in."""
        if not self.holds(at):
            return at
        local = at.astimezone(self.zone)
        ends = datetime.combine(local.date(), self.ends, tzinfo=self.zone)
        return ends if ends > local else ends + timedelta(days=1)

    def start_before(self, at: datetime) -> datetime:
        """When the quiet hours that `at` falls in began."""
        local = at.astimezone(self.zone)
        began = datetime.combine(local.date(), self.starts, tzinfo=self.zone)
        return began if began <= local else began - timedelta(days=1)


def default_quiet_hours() -> QuietHours:
    """The clinic's quiet hours for texts, for anyone who set none of their own."""
    return QuietHours(time(21), time(8), ZoneInfo(settings.CLINIC_TIME_ZONE))


def channels_for(user: User | None, email: str = "", phone: str = "") -> list[str]:
    """How a person wants to hear: their account's choices, where they have the address; by email
    when they have no account (an invitation, a patient not yet signed up), or by text to the
    number given at the desk (an activation code)."""
    if user is None:
        by_address: list[str] = [Channel.EMAIL] if email else []
        return by_address + ([Channel.SMS] if phone else [])
    if not user.is_active:
        return []
    channels: list[str] = [Channel.EMAIL] if user.notify_by_email and user.email else []
    return channels + ([Channel.SMS] if user.notify_by_sms and user.phone else [])


def _require_transaction() -> None:
    # Written outside a transaction, a notice could outlive a change that then failed.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notices are written inside the transaction of the change that causes them")


# -- writing ---------------------------------------------------------------------------------------


def _deliver_after_commit(keys: list[str], now: datetime) -> list[int]:
    """Hand the new, unsent, due notices to a worker once the transaction commits. If the broker
    is down the change still stands (robust): the sweep delivers them later."""
    if not keys:
        return []
    ids = list(Notice.objects.filter(key__in=keys, sent_at__isnull=True, due_at__lte=now).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: queue_task("portal.deliver_notices", ids), robust=True)
    return ids


def enqueue(
    *,
    kind: str,
    key: str,
    user: User | None = None,
    email: str = "",
    phone: str = "",
    channels: Sequence[str] | None = None,
    patient_id: UUID | str | None = None,
    target_id: int | None = None,
    link: str = "",
    language: str = "",
    quiet: QuietHours | None = None,
    now: datetime | None = None,
    send_now: bool = False,
) -> list[int]:
    """Notices of `kind` to one person (a user, or an email address or mobile number for someone
    without an account), by the channels they chose (or those of `channels` they chose), each keyed
    "<key>:<channel>". Texts wait for the end of the quiet hours (`quiet`, or the clinic's).
    Returns the ids of those due now and not already sent, handed to the worker after commit;
    or, with `send_now`, sent at once inside the caller's transaction: for a sweep that is itself
    the worker and stamps its own row as sent in that transaction (a send that dies rolls both
    back, so the next sweep sends it again; one that fails is retried by the outbox's sweep)."""
    _require_transaction()
    _kind(kind)
    now = now or timezone.now()
    allowed = channels_for(user, email, phone)
    wanted = [channel for channel in allowed if channels is None or channel in channels]
    quiet = quiet or default_quiet_hours()
    notices = [
        Notice(
            user=user,
            email="" if user is not None or channel != Channel.EMAIL else email,
            phone="" if user is not None or channel != Channel.SMS else phone,
            kind=kind,
            channel=channel,
            patient_id=patient_id,
            target_id=target_id,
            link=link,
            language=language,
            key=f"{key}:{channel}",
            created_at=now,
            due_at=quiet.end_after(now) if channel == Channel.SMS else now,
        )
        for channel in wanted
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    keys = [notice.key for notice in notices]
    if send_now:
        ids = list(
            Notice.objects.filter(key__in=keys, sent_at__isnull=True, due_at__lte=now).values_list("pk", flat=True)
        )
        for pk in ids:
            deliver(pk, now)
        return ids
    return _deliver_after_commit(keys, now)


def enqueue_in_app(kind: str, rows: Iterable[tuple[int, UUID | str | None, int, str]]) -> int:
    """In-app notices (read in the portal, so delivered as written), each (user id, patient id,
    target id, key)."""
    _require_transaction()
    _kind(kind)
    now = timezone.now()
    notices = [
        Notice(
            user_id=user_id,
            kind=kind,
            channel=Channel.IN_APP,
            patient_id=patient_id,
            target_id=target_id,
            key=key,
            created_at=now,
            due_at=now,
            sent_at=now,
        )
        for user_id, patient_id, target_id, key in rows
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def enqueue_in_app_to_staff(kind: str, rows: Iterable[tuple[int, object, int | None]]) -> int:
    """An in-app notice to each staff member (active, with an active account) of (target id,
    patient id, staff member id), keyed "<kind>:<target>". One set-based statement: a sweep passes
    thousands at a time, and building a model object for each cost more than the sweep's work."""
    _require_transaction()
    _kind(kind)
    rows = [(target, patient, staff) for target, patient, staff in rows if staff is not None]
    if not rows:
        return 0
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notice._meta.db_table}
                (user_id, email, phone, kind, channel, patient_id, target_id, link, language, key,
                 created_at, due_at, sent_at, attempts, last_error)
            SELECT staff.user_id, '', '', %(kind)s::text, %(channel)s::text, due.patient_id, due.target_id, '', '',
                   %(kind)s::text || ':' || due.target_id,
                   %(now)s, %(now)s, %(now)s, 0, ''
            FROM unnest(%(targets)s::bigint[], %(patients)s::uuid[], %(staff)s::bigint[])
                AS due(target_id, patient_id, staff_id)
            JOIN {StaffMember._meta.db_table} staff ON staff.id = due.staff_id AND staff.is_active
            JOIN {User._meta.db_table} account ON account.id = staff.user_id AND account.is_active
            ON CONFLICT (key) DO NOTHING
            """,  # noqa: S608 - table names from the models, values as parameters
            {
                "kind": kind,
                "channel": Channel.IN_APP,
                "now": now,
                "targets": [target for target, _patient, _staff in rows],
                "patients": [patient for _target, patient, _staff in rows],
                "staff": [staff for _target, _patient, staff in rows],
            },
        )
        return cursor.rowcount


# -- sending ---------------------------------------------------------------------------------------


def _language(notice: Notice) -> str:
    return notice.language or (notice.user.language if notice.user else "") or settings.LANGUAGE_CODE


def _send(notice: Notice) -> None:
    render = _kind(notice.kind).render
    if render is None:
        raise ValueError(f"notice kind {notice.kind!r} has no words to send")
    with translation.override(_language(notice)):
        words = render(notice)
    if notice.channel == Channel.EMAIL:
        send_mail(words.subject, words.body, None, [notice.user.email if notice.user else notice.email])
    elif notice.channel == Channel.SMS:
        send_sms(to=notice.user.phone if notice.user else notice.phone, body=words.sms)


def deliver(notice_id: int, now: datetime | None = None) -> bool:
    """Send one email or text notice, once. Returns whether this call sent it (False: already
    sent, being sent by another worker, not yet due, given up, or failed this time)."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notice_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, due_at__lte=now)
            .exclude(channel=Channel.IN_APP)
            .first()
        )
        if notice is None:
            return False
        notice.attempts += 1
        try:
            _send(notice)
        except Exception as error:  # noqa: BLE001 - any failure of the mail or SMS service: the sweep retries
            # The class name only: an error's text may quote an address or a phone number.
            notice.last_error = type(error).__name__[:200]
            notice.save(update_fields=["attempts", "last_error"])
            log.warning("outbox: notice not sent", extra={"notice_id": notice.pk, "attempts": notice.attempts})
            return False
        notice.sent_at = timezone.now()
        notice.last_error = notice.link = notice.phone = ""
        notice.save(update_fields=["attempts", "sent_at", "last_error", "link", "phone"])
    log.info("outbox: notice sent", extra={"notice_id": notice.pk, "kind": notice.kind, "channel": notice.channel})
    return True


def due_notices(now: datetime) -> QuerySet[Notice]:
    """Unsent email and text notices whose wait after their due time has passed."""
    waited = Q()
    for attempts, wait in enumerate(RETRY_AFTER):
        waited |= Q(attempts=attempts, due_at__lte=now - wait)
    return Notice.objects.filter(waited, sent_at__isnull=True).exclude(channel=Channel.IN_APP).order_by("due_at")


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Try again what was not sent (a lost enqueue, a dead worker, a failed send, a text that
    waited out quiet hours). Safe to run twice or alongside the after-commit deliveries."""
    now = now or timezone.now()
    ids = list(due_notices(now).values_list("pk", flat=True)[:SWEEP_LIMIT])
    sent = sum(deliver(pk, now) for pk in ids)
    return {"due": len(ids), "sent": sent}


# -- staff: the digest, and reading in-app notices ------------------------------------------------


def _undigested(user_id: int) -> QuerySet[Notice]:
    return Notice.objects.filter(
        user_id=user_id, channel=Channel.IN_APP, digested_at__isnull=True, read_at__isnull=True
    )


def _digest_body(notices: list[Notice]) -> str:
    groups: dict[Digest, list[Notice]] = defaultdict(list)
    for notice in notices:
        digest = _kind(notice.kind).digest
        if digest is not None:
            groups[digest].append(notice)
    lines = [_("Waiting for you in the patient portal:"), ""]
    for digest, grouped in groups.items():
        lines += [*[f"- {line}" for line in digest.lines(grouped)], "", digest.footer()]
    return "\n".join(lines)


def _digest_one(user_id: int, now: datetime) -> bool:
    with transaction.atomic():
        notices = list(
            _undigested(user_id).select_for_update(skip_locked=True, of=("self",)).select_related("user").order_by("pk")
        )
        if not notices:
            return False  # nothing, or another digest run has them
        user = notices[0].user
        if user is not None and user.is_active and user.notify_by_email and user.email:
            with translation.override(user.language):
                send_mail(_("Patient portal: messages waiting for you"), _digest_body(notices), None, [user.email])
        Notice.objects.filter(pk__in=[notice.pk for notice in notices]).update(digested_at=now)
    log.info("outbox: staff digest", extra={"user_id": user_id, "notices": len(notices)})
    return True


def staff_digest(now: datetime | None = None) -> dict[str, int]:
    """One email per staff member listing what waits unread in the portal since the last digest;
    nothing for anyone with nothing new. Each is stamped `digested_at`, so a second run sends
    nothing; a failed email leaves that person's notices for the next run."""
    now = now or timezone.now()
    users = (
        Notice.objects.filter(channel=Channel.IN_APP, digested_at__isnull=True, read_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = failed = 0
    for user_id in list(users):
        try:
            sent += _digest_one(user_id, now)
        except Exception as error:  # noqa: BLE001 - one person's mail failing must not stop everyone else's digest
            failed += 1
            # The class name only (no traceback): the error's text may quote an address.
            log.warning("outbox: staff digest not sent", extra={"user_id": user_id, "error": type(error).__name__})
    return {"sent": sent, "failed": failed}


def mark_read(*, user: User, notice_id: int) -> int:
    """Mark one of my in-app notices read; someone else's is not found (404 in the view)."""
    return Notice.objects.filter(pk=notice_id, user=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_all_read(*, user: User) -> int:
    return Notice.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).update(read_at=timezone.now())
