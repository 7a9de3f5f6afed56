"""Delivering notices: email and texts to patients and caregivers, the staff email digest, and
staff marking in-app notices read.

Never twice: a notice is sent while its row is locked (FOR UPDATE SKIP LOCKED, so a second
worker skips it) and `sent_at` is stamped in the same transaction. Never lost: a worker that dies
mid-send leaves the row unsent (its transaction rolls back) and the sweep tries again, with
growing waits, up to MAX_ATTEMPTS. The words are made here, in the recipient's language, and say
only that something is waiting, with a signed link: no names, no subject, no message.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from messaging.links import MAX_AGE, link_path, staff_inbox_path
from messaging.models import Notice
from portal.models import User
from portal.notify import absolute, send_sms

log = logging.getLogger(__name__)

Channel = Notice.Channel
Kind = Notice.Kind

# How long after a notice was made the sweep may try it again, by attempts made so far. The
# first wait leaves the after-commit delivery time to do its work; after the last, it gives up
# (the row keeps `last_error` for whoever looks).
RETRY_AFTER = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_AFTER)
SWEEP_LIMIT = 500


def _reply_waiting_text(user: User, thread_id: int) -> tuple[str, str, str]:
    """(email subject, email body, text message) in the recipient's language."""
    link = absolute(link_path(user_id=user.pk, thread_id=thread_id))
    with translation.override(user.language):
        subject = _("A reply is waiting in your patient portal")
        body = "\n\n".join(
            [
                _("Your care team has replied to a message in the patient portal."),
                _("Sign in to read it:"),
                link,
                _("This link is for you only and works for %(days)s days.") % {"days": MAX_AGE.days},
                _(
                    "You get this email because you asked to hear when something is waiting for you. "
                    "You can change that in your account settings."
                ),
                _("Patient Portal"),
            ]
        )
        sms = _("Patient portal: a reply is waiting for you. %(link)s") % {"link": link}
    return subject, body, sms


def _send(notice: Notice) -> None:
    subject, body, sms = _reply_waiting_text(notice.user, notice.thread_id)
    if notice.channel == Channel.EMAIL:
        send_mail(subject, body, None, [notice.user.email])
    elif notice.channel == Channel.SMS:
        send_sms(to=notice.user.phone, body=sms)


def notice_deliver(notice_id: int) -> bool:
    """Send one email or text notice, once. Returns whether this call sent it (False: already
    sent, being sent by another worker, given up, or failed this time)."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notice_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
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
            log.warning("messaging: notice not sent", extra={"notice_id": notice.pk, "attempts": notice.attempts})
            return False
        notice.sent_at = timezone.now()
        notice.last_error = ""
        notice.save(update_fields=["attempts", "sent_at", "last_error"])
    log.info("messaging: notice sent", extra={"notice_id": notice.pk, "channel": notice.channel})
    return True


def due_notices(now: datetime) -> QuerySet[Notice]:
    """Unsent email and text notices whose wait after their last attempt has passed."""
    waited = Q()
    for attempts, wait in enumerate(RETRY_AFTER):
        waited |= Q(attempts=attempts, created_at__lte=now - wait)
    return Notice.objects.filter(waited, sent_at__isnull=True).exclude(channel=Channel.IN_APP).order_by("created_at")


def notice_sweep(now: datetime | None = None) -> dict[str, int]:
    """Try again what was not sent (a lost enqueue, a dead worker, a failed send). Safe to run
    twice or alongside the after-commit deliveries: each send happens under the row's lock."""
    ids = list(due_notices(now or timezone.now()).values_list("pk", flat=True)[:SWEEP_LIMIT])
    sent = sum(notice_deliver(pk) for pk in ids)
    return {"due": len(ids), "sent": sent}


# -- staff: the digest, and reading in-app notices ------------------------------------------------


def _undigested(user_id: int) -> QuerySet[Notice]:
    return Notice.objects.filter(
        user_id=user_id, channel=Channel.IN_APP, digested_at__isnull=True, read_at__isnull=True
    )


def _digest_lines(notices: list[Notice]) -> list[str]:
    """Counts by kind (new threads by team): no patient, no subject, nothing from a message."""
    new = Counter(notice.thread.pool.name for notice in notices if notice.kind == Kind.NEW_THREAD)
    others = Counter(notice.kind for notice in notices if notice.kind != Kind.NEW_THREAD)
    lines = [
        ngettext("%(count)s new message in %(pool)s", "%(count)s new messages in %(pool)s", count)
        % {"count": count, "pool": pool}
        for pool, count in sorted(new.items())
    ]
    texts = {
        Kind.ASSIGNED: lambda n: ngettext("%(count)s message passed to you", "%(count)s messages passed to you", n),
        Kind.AT_RISK: lambda n: ngettext("%(count)s answer due soon", "%(count)s answers due soon", n),
        Kind.BREACHED: lambda n: ngettext("%(count)s answer is late", "%(count)s answers are late", n),
    }
    lines += [texts[kind](others[kind]) % {"count": others[kind]} for kind in texts if others[kind]]
    return lines


def _digest_one(user_id: int, now: datetime) -> bool:
    with transaction.atomic():
        notices = list(
            _undigested(user_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "thread__pool")
            .order_by("pk")
        )
        if not notices:
            return False  # nothing, or another digest run has them
        user = notices[0].user
        if user.is_active and user.notify_by_email and user.email:
            with translation.override(user.language):
                body = "\n".join(
                    [
                        _("Waiting for you in the patient portal:"),
                        "",
                        *[f"- {line}" for line in _digest_lines(notices)],
                        "",
                        _("Open your messages: %(link)s") % {"link": absolute(staff_inbox_path())},
                    ]
                )
                send_mail(_("Patient portal: messages waiting for you"), body, None, [user.email])
        Notice.objects.filter(pk__in=[notice.pk for notice in notices]).update(digested_at=now)
    log.info("messaging: staff digest", extra={"user_id": user_id, "notices": len(notices)})
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
            log.warning("messaging: staff digest not sent", extra={"user_id": user_id, "error": type(error).__name__})
    return {"sent": sent, "failed": failed}


def notice_mark_read(*, user: User, notice_id: int) -> int:
    """Mark one of my in-app notices read; someone else's is not found (404 in the view)."""
    return Notice.objects.filter(pk=notice_id, user=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notices_mark_all_read(*, user: User) -> int:
    return Notice.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).update(read_at=timezone.now())
