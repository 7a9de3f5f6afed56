"""Telling people something is waiting, through the portal's outbox (portal.services.outbox).

Services call these INSIDE the transaction of the change that causes them: the outbox writes the
rows there (so a rollback un-says them) and delivers them after commit. Staff notices are in-app
rows, shown in the portal and gathered into the outbox's email digest. This module says who
hears of what, and the words of messaging's kinds (registered from MessagingConfig.ready): only
that something is waiting, with a signed link. Logs carry ids only.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from uuid import UUID

from django.db import models
from django.db.models import F, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from messaging.links import MAX_AGE, link_path, staff_inbox_path
from messaging.models import Message, OwnershipChange, Thread
from portal.access import Action, active_grants
from portal.links import absolute
from portal.models import Notice, Patient, StaffMember, User
from portal.services import outbox

log = logging.getLogger(__name__)

Channel = Notice.Channel


class Kind(models.TextChoices):
    REPLY_WAITING = "reply_waiting", gettext_lazy("A reply is waiting")
    NEW_THREAD = "new_thread", gettext_lazy("New message in your team's inbox")
    ASSIGNED = "assigned", gettext_lazy("A message was passed to you")
    AT_RISK = "at_risk", gettext_lazy("An answer is due soon")
    BREACHED = "breached", gettext_lazy("An answer is late")


def _users_of(staff_ids: Iterable[int | None]) -> dict[int, int]:
    """Staff member id -> user id, for active staff with active accounts."""
    ids = {pk for pk in staff_ids if pk is not None}
    if not ids:
        return {}
    return dict(
        StaffMember.objects.filter(pk__in=ids, is_active=True, user__is_active=True).values_list("pk", "user_id")
    )


def thread_started(*, thread_id: int, pool_id: int, owner_id: int | None) -> None:
    """The pool's active members (and the named owner) have a new patient thread."""
    reach = Q(message_pools=pool_id) | Q(pk=owner_id) if owner_id is not None else Q(message_pools=pool_id)
    # The thread's patient comes with the staff in the same query (the pages are scoped by it).
    patient = Subquery(Thread.objects.filter(pk=thread_id).values("patient_id")[:1])
    users = set(
        StaffMember.objects.filter(reach, is_active=True, user__is_active=True)
        .annotate(thread_patient=patient)
        .values_list("user_id", "thread_patient")
    )
    count = outbox.enqueue_in_app(
        Kind.NEW_THREAD,
        [(user, patient_id, thread_id, f"new:{thread_id}:{user}") for user, patient_id in sorted(users)],
    )
    log.info("messaging: new thread notices", extra={"thread_id": thread_id, "pool_id": pool_id, "notices": count})


def owner_changed(*, thread_id: int, owner_id: int | None) -> None:
    """A thread has a new owner, who hears of it, unless they took it themselves."""
    user_id = _users_of([owner_id]).get(owner_id) if owner_id is not None else None
    change = (
        OwnershipChange.objects.filter(thread_id=thread_id)
        .annotate(patient_id=F("thread__patient_id"))
        .order_by("-at", "-pk")
        .first()
    )
    if user_id is None or change is None or change.changed_by_id == user_id:
        return
    outbox.enqueue_in_app(
        Kind.ASSIGNED,
        [(user_id, change.patient_id, thread_id, f"assigned:{change.pk}")],
    )
    log.info("messaging: new owner notice", extra={"thread_id": thread_id, "owner_id": owner_id})


def _owner_notices(kind: str, rows: Iterable[tuple[int, int | None, object]]) -> int:
    """An in-app notice to each thread's owner, keyed "<kind>:<thread>" (one statement for a
    sweep's thousands of threads)."""
    return outbox.enqueue_in_app_to_staff(kind, [(thread, patient, owner) for thread, owner, patient in rows])


def sla_at_risk(warnings: Iterable[tuple[int, int | None, object]]) -> None:
    """Each (thread id, owner id, patient id): the owner hears the first answer is due soon."""
    count = _owner_notices(Kind.AT_RISK, warnings)
    log.info("messaging: answer due soon notices", extra={"notices": count})


def sla_breached(breaches: Iterable[tuple[int, int | None, object]]) -> None:
    """Each (thread id, owner id now, after any escalation, patient id): the owner hears the
    answer is late."""
    count = _owner_notices(Kind.BREACHED, breaches)
    log.info("messaging: answer late notices", extra={"notices": count})


def _patient_side_users(patient_id: object, *, confidential: bool = False) -> list[User]:
    """The patient's own account and every caregiver whose active grant has the messaging scope
    (only the patient's own for a confidential thread: a caregiver must not learn it exists)."""
    patient = Patient.objects.select_related("user").get(pk=patient_id)  # type: ignore[misc]
    users = [patient.user] if patient.user is not None and patient.user.is_active else []
    if confidential:
        return users
    grants = (
        active_grants()
        .filter(patient_id=patient.pk, scopes__contains=[Action.MESSAGING], grantee__is_active=True)
        .select_related("grantee")
        .order_by("pk")
    )
    users += [grant.grantee for grant in grants if grant.grantee is not None]
    return list({user.pk: user for user in users}.values())


def reply_waiting(*, thread_id: int, patient_id: UUID | str) -> None:
    """The patient and caregivers with the messaging scope hear a staff reply is waiting, by
    email and/or text as each chose. One still unsent for the thread covers a second reply."""
    reply = (
        Message.objects.filter(thread_id=thread_id, acting_as=Message.ActingAs.STAFF, is_internal_note=False)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if reply is None:
        return
    confidential = Thread.objects.filter(pk=thread_id, confidential=True).exists()
    pending: dict[int, set[str]] = {}
    for user_id, channel in Notice.objects.filter(
        kind=Kind.REPLY_WAITING, target_id=thread_id, sent_at__isnull=True
    ).values_list("user_id", "channel"):
        pending.setdefault(user_id, set()).add(channel)
    count = 0
    for user in _patient_side_users(patient_id, confidential=confidential):
        channels = [c for c in outbox.channels_for(user) if c not in pending.get(user.pk, set())]
        if channels:
            count += len(
                outbox.enqueue(
                    kind=Kind.REPLY_WAITING,
                    key=f"reply:{reply}:{user.pk}",
                    user=user,
                    channels=channels,
                    patient_id=patient_id,
                    target_id=thread_id,
                )
            )
    log.info("messaging: reply waiting notices", extra={"thread_id": thread_id, "notices": count})


# -- the words of messaging's notices (made by the outbox at sending, in the reader's language) --


def reply_waiting_words(notice: Notice) -> outbox.Words:
    if notice.user_id is None or notice.target_id is None:
        raise ValueError("a reply notice is to a user about a thread")
    link = absolute(link_path(user_id=notice.user_id, thread_id=notice.target_id))
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
    return outbox.Words(_("A reply is waiting in your patient portal"), body, sms)


def digest_lines(notices: list[Notice]) -> list[str]:
    """Counts by kind (new threads by team): no patient, no subject, nothing from a message."""
    pools = dict(
        Thread.objects.filter(pk__in={n.target_id for n in notices if n.kind == Kind.NEW_THREAD}).values_list(
            "pk", "pool__name"
        )
    )
    new = Counter(pools[notice.target_id or 0] for notice in notices if notice.kind == Kind.NEW_THREAD)
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


def digest_footer() -> str:
    return _("Open your messages: %(link)s") % {"link": absolute(staff_inbox_path())}


STAFF_DIGEST = outbox.Digest(lines=digest_lines, footer=digest_footer)


def register_kinds() -> None:
    """Messaging's kinds of notice, with the outbox (from MessagingConfig.ready)."""
    outbox.register(Kind.REPLY_WAITING, Kind.REPLY_WAITING.label, render=reply_waiting_words)
    for kind in (Kind.NEW_THREAD, Kind.ASSIGNED, Kind.AT_RISK, Kind.BREACHED):
        outbox.register(kind, kind.label, digest=STAFF_DIGEST)
