"""Telling people something is waiting, as `Notice` rows (an outbox).

Services call these INSIDE the transaction of the change that causes them: the rows are written
there (so a rollback un-says them) and email and text notices are handed to a worker after
commit (`messaging.deliver_notices`); a beat sweep sends whatever that missed. Staff notices are
in-app rows, shown in the portal and gathered into an email digest. Each notice's unique `key`
makes writing it twice harmless. Logs carry ids only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from messaging.models import Message, Notice, OwnershipChange, Thread
from portal.access import Action, active_grants
from portal.models import Patient, StaffMember, User

log = logging.getLogger(__name__)

Kind = Notice.Kind
Channel = Notice.Channel


def _require_transaction() -> None:
    # Written outside a transaction, a notice could outlive a change that then failed.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notices are written inside the transaction of the change that causes them")


def _deliver_after_commit(keys: list[str]) -> None:
    """Hand the new, unsent notices to a worker once the transaction commits. If the broker is
    down the change still stands (robust): the sweep delivers them later."""
    if not keys:
        return
    ids = list(Notice.objects.filter(key__in=keys, sent_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return

    def enqueue() -> None:
        from messaging.tasks import deliver_notices

        deliver_notices.delay(ids)

    transaction.on_commit(enqueue, robust=True)


def _in_app(kind: str, rows: Iterable[tuple[int, int, str]]) -> int:
    """Staff notices (thread id, user id, key): read in the portal, so delivered as written."""
    now = timezone.now()
    notices = [
        Notice(user_id=user_id, kind=kind, channel=Channel.IN_APP, thread_id=thread_id, key=key, sent_at=now)
        for thread_id, user_id, key in rows
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


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
    _require_transaction()
    reach = Q(message_pools=pool_id) | Q(pk=owner_id) if owner_id is not None else Q(message_pools=pool_id)
    users = set(
        StaffMember.objects.filter(reach, is_active=True, user__is_active=True).values_list("user_id", flat=True)
    )
    count = _in_app(Kind.NEW_THREAD, [(thread_id, user, f"new:{thread_id}:{user}") for user in sorted(users)])
    log.info("messaging: new thread notices", extra={"thread_id": thread_id, "pool_id": pool_id, "notices": count})


def owner_changed(*, thread_id: int, owner_id: int | None) -> None:
    """A thread has a new owner, who hears of it, unless they took it themselves."""
    _require_transaction()
    user_id = _users_of([owner_id]).get(owner_id) if owner_id is not None else None
    change = OwnershipChange.objects.filter(thread_id=thread_id).order_by("-at", "-pk").first()
    if user_id is None or change is None or change.changed_by_id == user_id:
        return
    _in_app(Kind.ASSIGNED, [(thread_id, user_id, f"assigned:{change.pk}")])
    log.info("messaging: new owner notice", extra={"thread_id": thread_id, "owner_id": owner_id})


def _owner_notices(kind: str, pairs: Iterable[tuple[int, int | None]]) -> int:
    """An in-app notice to each thread's owner (active staff with an active account), keyed
    "<kind>:<thread>". One set-based statement: the sweep passes thousands of threads at a time,
    and building a model object for each cost more than the sweep's own work."""
    pairs = [(thread, owner) for thread, owner in pairs if owner is not None]
    if not pairs:
        return 0
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notice._meta.db_table}
                (user_id, kind, channel, thread_id, key, created_at, sent_at, attempts, last_error)
            SELECT staff.user_id, %(kind)s::text, %(channel)s::text, due.thread_id,
                   %(kind)s::text || ':' || due.thread_id,
                   %(now)s, %(now)s, 0, ''
            FROM unnest(%(threads)s::bigint[], %(owners)s::bigint[]) AS due(thread_id, owner_id)
            JOIN {StaffMember._meta.db_table} staff ON staff.id = due.owner_id AND staff.is_active
            JOIN {User._meta.db_table} account ON account.id = staff.user_id AND account.is_active
            ON CONFLICT (key) DO NOTHING
            """,  # noqa: S608 - table names from the models, values as parameters
            {
                "kind": kind,
                "channel": Channel.IN_APP,
                "now": now,
                "threads": [thread for thread, _owner in pairs],
                "owners": [owner for _thread, owner in pairs],
            },
        )
        return cursor.rowcount


def sla_at_risk(warnings: Iterable[tuple[int, int | None]]) -> None:
    """Each (thread id, owner id): the owner hears the first answer is due soon."""
    _require_transaction()
    count = _owner_notices(Kind.AT_RISK, warnings)
    log.info("messaging: answer due soon notices", extra={"notices": count})


def sla_breached(breaches: Iterable[tuple[int, int | None]]) -> None:
    """Each (thread id, owner id now, after any escalation): the owner hears the answer is late."""
    _require_transaction()
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


def _channels(user: User) -> list[Channel]:
    channels = [Channel.EMAIL] if user.notify_by_email and user.email else []
    return channels + ([Channel.SMS] if user.notify_by_sms and user.phone else [])


def reply_waiting(*, thread_id: int, patient_id: object) -> None:
    """The patient and caregivers with the messaging scope hear a staff reply is waiting, by
    email and/or text as each chose. One still unsent for the thread covers a second reply."""
    _require_transaction()
    reply = (
        Message.objects.filter(thread_id=thread_id, acting_as=Message.ActingAs.STAFF, is_internal_note=False)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if reply is None:
        return
    confidential = Thread.objects.filter(pk=thread_id, confidential=True).exists()
    pending = set(
        Notice.objects.filter(thread_id=thread_id, kind=Kind.REPLY_WAITING, sent_at__isnull=True).values_list(
            "user_id", "channel"
        )
    )
    notices = [
        Notice(
            user=user,
            kind=Kind.REPLY_WAITING,
            channel=channel,
            thread_id=thread_id,
            key=f"reply:{reply}:{user.pk}:{channel}",
        )
        for user in _patient_side_users(patient_id, confidential=confidential)
        for channel in _channels(user)
        if (user.pk, channel) not in pending
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    _deliver_after_commit([notice.key for notice in notices])
    log.info("messaging: reply waiting notices", extra={"thread_id": thread_id, "notices": len(notices)})
