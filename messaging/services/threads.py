"""Threads and messages: a patient (or caregiver) starts a thread, staff and patient reply,
staff add internal notes, ownership moves with a reason, threads close and reopen.

Who may act is the access policy's answer, passed in as an `Access` for Action.MESSAGING
(from `portal.access.access_patient`); a thread of another patient answers 404. Every write is
audited in its transaction; notifications go out after commit.

Every word the patient side sends passes the safety screen here, whatever the channel (page,
API): `safety.Unconfirmed` until the sender confirms each finding; confirmed, the thread is
urgent, carries the findings and is with someone whose protocol handles urgent threads.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import notifications, protocols, safety
from messaging.models import Message, OwnershipChange, Pool, SetupAlert, SlaEvent, Thread
from messaging.selectors.patient import visible_threads
from messaging.services.attachments import ValidUpload, save_attachments
from messaging.services.routing import Plan, may_answer, owner_for, plan_thread, raise_alerts
from portal import audit, briefing_inputs
from portal.access import ADULT_AT, MINOR_CONFIDENTIAL_FROM, Access, Action
from portal.models import AuditEvent, Patient, StaffMember, User
from portal.services.errors import InvalidTransition, ServiceError

Status = Thread.Status
ActingAs = AuditEvent.ActingAs

# The only moves a thread makes; any other is refused. `open` waits for the clinic, `answered`
# for the patient; a patient's reply to an answered thread makes it wait for the clinic again.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.ANSWERED, Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}

SUBJECT_MAX = 200
BODY_MAX = 20_000
KEY_MAX = 64
# Alerts about the pool routing chose, moot when the caller names pools of its own (`pool_kinds`).
POOL_ALERTS = frozenset({SetupAlert.Kind.UNROUTED, SetupAlert.Kind.UNSTAFFED_POOL, SetupAlert.Kind.NO_OWNER})


def _move(thread: Thread, to: str) -> None:
    if to == thread.status:
        return
    if to not in TRANSITIONS[thread.status]:
        raise InvalidTransition(_("This conversation cannot change that way now. Reload the page to see where it is."))
    thread.status = to


def confidential_care(patient: Patient) -> bool:
    """A 12-17-year-old's own care is confidential from her caregivers (as record items are)."""
    return MINOR_CONFIDENTIAL_FROM <= patient.age_on(timezone.localdate()) < ADULT_AT


def confidential_start(access: Access) -> bool:
    """A thread a teenager opens herself (or the clinic opens from her own words) is hers alone:
    the flag is set at creation, so what a caregiver sees never depends on a later guess."""
    return access.acting_as == ActingAs.SELF and confidential_care(access.patient)


def _locked_thread(access: Access, thread_id: int) -> Thread:
    access.require(Action.MESSAGING)
    # A caregiver acting on a teenager's confidential thread gets the same 404 as a stranger.
    thread = visible_threads(access).select_for_update().filter(pk=thread_id).first()
    if thread is None:
        raise Http404
    return thread


def _text(value: str, *, field: str, limit: int, missing: str) -> str:
    value = value.strip()
    if not value:
        raise ServiceError(missing, field=field)
    if len(value) > limit:
        raise ServiceError(_("Please shorten this to %(limit)s characters.") % {"limit": limit}, field=field)
    return value


def _form_key_refused() -> ServiceError:
    # A key missing, too long, or not this sender's: only a tampered or broken form sends one.
    return ServiceError(_("Something went wrong with the form. Reload the page and send again."))


def _existing(access: Access, idempotency_key: str) -> Thread | None:
    return Thread.objects.filter(patient=access.patient, idempotency_key=idempotency_key).first()


@transaction.atomic
def thread_start(
    *,
    access: Access,
    actor: User,
    category: str,
    subject: str,
    body: str,
    urgency: str = Thread.Urgency.NORMAL,
    idempotency_key: str,
    confirmed_flags: Collection[str] = (),
    attachments: list[ValidUpload] | None = None,
    now: datetime | None = None,
) -> Thread:
    """A patient or caregiver starts a thread. It is routed at once (pool, named owner, due
    time), so the page that confirms it can say who answers by when.

    The subject and text pass the safety screen: findings not in `confirmed_flags` (those the
    sender was shown and sent anyway) refuse with `safety.Unconfirmed`, writing nothing. With
    findings the thread is urgent whatever `urgency` said, keeps them for staff, and is routed
    to nurse triage (routing.plan_thread). `attachments` (checked by
    `attachments.validate_uploads`) are stored with the first message, in this transaction.

    The same `idempotency_key` (from the form) for the same patient returns the thread it
    started, writing nothing: a double click or a retried request does not make two."""
    # Staff start conversations with patients from their own pages (not yet).
    access.require(Action.MESSAGING, patient_side=True)
    if category not in Thread.Category.values:
        raise ServiceError(_("Choose what your message is about."), field="category")
    if urgency not in Thread.Urgency.values:
        raise ServiceError(_("Choose how urgent this is."), field="urgency")
    subject = _text(subject, field="subject", limit=SUBJECT_MAX, missing=_("Give your message a subject."))
    body = _text(body, field="body", limit=BODY_MAX, missing=_("Write your message."))
    flags = safety.require_confirmed(subject, body, confirmed=confirmed_flags)
    if flags:
        urgency = Thread.Urgency.URGENT
    idempotency_key = idempotency_key.strip()
    if not idempotency_key or len(idempotency_key) > KEY_MAX:
        raise _form_key_refused()
    existing = _existing(access, idempotency_key)
    if existing is not None:
        return existing
    return _open(
        access,
        actor,
        category=category,
        subject=subject,
        body=body,
        urgency=urgency,
        idempotency_key=idempotency_key,
        flags=flags,
        attachments=attachments or [],
        now=now or timezone.now(),
        actor=actor,
    )


@transaction.atomic
def safety_thread_open(
    *,
    access: Access,
    actor: User,
    subject: str,
    body: str,
    flags: list[str],
    idempotency_key: str,
    category: str = Thread.Category.NEW_SYMPTOM,
    now: datetime | None = None,
) -> Thread:
    """Words the patient side gave outside a conversation (a check-in answer, a questionnaire
    comment, a refill note) had red-flag findings the sender confirmed (`flags`, from
    `safety.require_confirmed` in the caller's service): open an urgent thread on the patient's
    behalf, routed like any flagged message, so a nurse reads them now and not at the visit.
    `access` is the patient side's for the channel's own action (scheduling, refills). The same
    `idempotency_key` returns the thread it opened."""
    if not access.is_patient_side:
        raise Http404
    flags = safety.checked(flags)
    if not flags:
        raise ValueError("a safety thread needs the findings it is about")
    existing = _existing(access, idempotency_key)
    if existing is not None:
        return existing
    return _open(
        access,
        actor,
        category=category,
        subject=subject[:SUBJECT_MAX],
        body=body[:BODY_MAX],
        urgency=Thread.Urgency.URGENT,
        idempotency_key=idempotency_key,
        flags=flags,
        attachments=[],
        now=now or timezone.now(),
        actor=actor,
    )


@transaction.atomic
def thread_open_for(
    *,
    access: Access,
    author: User | None,
    actor: User | None,
    category: str,
    subject: str,
    body: str,
    idempotency_key: str,
    urgency: str = Thread.Urgency.NORMAL,
    safety_flags: Collection[str] = (),
    pool_kinds: Sequence[str] = (),
    due_by: datetime | None = None,
    confidential: bool = False,
    now: datetime | None = None,
    sender: str = "",
) -> Thread:
    """The one way another app opens a thread on the clinic's behalf: scheduling's appointment
    requests and check-in alerts today; refills, billing and summaries will use it too. Outside
    messaging's own services no code creates Thread, Message or OwnershipChange rows.

    It runs `thread_start`'s sequence (in the caller's transaction): routing (routing.plan_thread,
    with `safety_flags` routed to a nurse or physician), the ownership row, the answer-time
    promise, routing and setup alerts, notices (messaging.notifications) and audit (the thread's
    creation and its first message). `access` is the patient's for the caller's own action
    (scheduling, refills...): its `acting_as` is the first message's. `author` writes the first
    message (the patient's words, or the person whose answers raised an alert); `actor` is the
    signed-in user audited (None for a signed link). No author: a system's words
    (`thread_open_for_system`), naming their `sender`.

    `pool_kinds`: the pools of these kinds (first found wins) take the thread instead of the one
    routing chose; none found, routing's choice stands. `due_by`: the answer must come by then,
    else `routing.NoTimeToAnswer` is raised and nothing written. `confidential`: the patient's
    caregivers never see it (a teenager's own care). The same `idempotency_key` for the patient
    returns the thread it opened, writing nothing."""
    flags = safety.checked(list(safety_flags))
    if flags:
        urgency = Thread.Urgency.URGENT
    existing = _existing(access, idempotency_key)
    if existing is not None:
        return existing
    thread = _open(
        access,
        author,
        category=category,
        subject=subject[:SUBJECT_MAX],
        body=body[:BODY_MAX],
        urgency=urgency,
        idempotency_key=idempotency_key,
        flags=flags,
        attachments=[],
        now=now or timezone.now(),
        actor=actor,
        pool_kinds=pool_kinds,
        due_by=due_by,
        confidential=confidential,
        sender=sender,
    )
    # Opened for the clinic, not written in a conversation: the creation itself is on record.
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=thread)
    return thread


@transaction.atomic
def thread_open_for_system(
    *,
    patient: Patient,
    action: str,
    sender: str,
    category: str,
    subject: str,
    body: str,
    idempotency_key: str,
    pool_kinds: Sequence[str] = (),
    confidential: bool = False,
    now: datetime | None = None,
) -> Thread:
    """Open a thread on the clinic's behalf that no person writes: another system's words (a
    pharmacy's e-prescribing system asking for a renewal), for another app's `action` (refills).
    It is routed, owned and promised like any thread (`thread_open_for`'s sequence: `pool_kinds`
    as there); its first message has no author and names its `sender`, and the portal itself is
    audited (acting as the system, no actor). The same `idempotency_key` returns the thread."""
    sender = sender.strip()
    if not sender:
        raise ValueError("a system's message names its sender")
    return thread_open_for(
        access=Access(patient, ActingAs.SYSTEM, action),
        author=None,
        actor=None,
        category=category,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        pool_kinds=pool_kinds,
        confidential=confidential,
        now=now,
        sender=sender[:200],
    )


def _pool_instead(plan: Plan, patient: Patient, organization_id: int, pool_kinds: Sequence[str]) -> None:
    """Send the plan to the first pool of `pool_kinds` at the organization, if there is one. The
    alerts about routing's own pool are moot then (the pool found decides who answers)."""
    if not pool_kinds:
        return
    pools = Pool.objects.select_related("lead").filter(organization=organization_id, kind__in=pool_kinds)
    pool = min(pools.order_by("pk"), key=lambda found: list(pool_kinds).index(found.kind), default=None)
    if pool is None or pool.pk == plan.pool.pk:
        return
    alerts = [alert for alert in plan.alerts if alert not in POOL_ALERTS]
    plan.owner, plan.owner_reason = owner_for(pool, patient, alerts)
    plan.pool, plan.alerts = pool, alerts


def _open(
    access: Access,
    author: User | None,
    *,
    category: str,
    subject: str,
    body: str,
    urgency: str,
    idempotency_key: str,
    flags: list[str],
    attachments: list[ValidUpload],
    now: datetime,
    actor: User | None,
    pool_kinds: Sequence[str] = (),
    due_by: datetime | None = None,
    confidential: bool | None = None,
    sender: str = "",
) -> Thread:
    """Route, promise and write a new thread with its first message (in the caller's transaction).
    `author` writes the message (None: a system's, whose `sender` is named); `actor` is audited.
    `confidential`
    None: as the sender's access says (`confidential_start`)."""
    patient = access.patient
    organization = patient.home_organization
    plan = plan_thread(
        organization=organization,
        patient=patient,
        category=category,
        urgency=urgency,
        now=now,
        safety_flagged=bool(flags),
        due_by=due_by,
    )
    _pool_instead(plan, patient, organization.pk, pool_kinds)
    try:
        with transaction.atomic():  # a savepoint: losing a race on the key leaves the outer work usable
            thread = Thread.objects.create(
                patient=patient,
                organization=organization,
                category=category,
                subject=subject,
                urgency=urgency,
                pool=plan.pool,
                owner=plan.owner,
                owner_reason=plan.owner_reason,
                first_response_due_at=plan.first_response_due_at,
                at_risk_at=plan.at_risk_at,
                created_at=now,
                last_message_at=now,
                idempotency_key=idempotency_key,
                safety_flags=flags,
                confidential=confidential_start(access) if confidential is None else confidential,
            )
    except IntegrityError:
        # The same form was submitted twice at once: the other request made the thread.
        existing = _existing(access, idempotency_key)
        if existing is None:
            raise
        return existing
    message = Message.objects.create(
        thread=thread, author=author, sender=sender, acting_as=access.acting_as, body=body, created_at=now
    )
    save_attachments(message, attachments)
    OwnershipChange.objects.create(
        thread=thread, from_owner=None, to_owner=plan.owner, reason=plan.owner_reason or Thread.OwnerReason.POOL, at=now
    )
    raise_alerts(thread, plan.alerts)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.SEND, obj=message)
    notifications.thread_started(thread_id=thread.pk, pool_id=thread.pool_id, owner_id=thread.owner_id)
    briefing_inputs.changed(thread.patient_id)
    return thread


def _reply_key(idempotency_key: str) -> str:
    idempotency_key = idempotency_key.strip()
    if len(idempotency_key) > KEY_MAX:
        raise _form_key_refused()
    return idempotency_key


def _sent_before(thread: Thread, actor: User, idempotency_key: str, *, internal_note: bool) -> Message | None:
    """The message this key already sent on this thread, if any. A key that sent someone else's
    message, or a note for a reply, is refused: never hand back a message the caller did not write."""
    if not idempotency_key:
        return None
    message = Message.objects.filter(thread=thread, idempotency_key=idempotency_key).first()
    if message is None:
        return None
    if message.author_id != actor.pk or message.is_internal_note != internal_note:
        raise _form_key_refused()
    return message


@transaction.atomic
def thread_reply(
    *,
    access: Access,
    actor: User,
    thread_id: int,
    body: str,
    internal_note: bool = False,
    confirmed_flags: Collection[str] = (),
    attachments: list[ValidUpload] | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> Message:
    """Add a message. A staff reply (not an internal note) answers the thread: the first one
    keeps the promise (`first_responded_at`); a late one records the breach. A patient's or
    caregiver's reply to an answered thread makes it wait for the clinic again. Internal notes
    are staff-only and change nothing else. Closed threads must be reopened first.

    A patient-side reply passes the safety screen: findings not in `confirmed_flags` refuse
    with `safety.Unconfirmed`, writing nothing. Confirmed findings are added to the thread's and
    make it urgent (`_file_as_urgent`). `attachments` are stored with the message, in this
    transaction.

    The same `idempotency_key` (from the form) on the same thread returns the message it sent,
    writing nothing: a double click or a retried request does not send twice. Without one (an
    empty key) every call is a new message."""
    thread = _locked_thread(access, thread_id)
    staff = access.acting_as == ActingAs.STAFF
    if internal_note and not staff:
        raise Http404
    idempotency_key = _reply_key(idempotency_key)
    # After the thread's lock: a duplicate that waited for it sees the message the first one sent.
    sent = _sent_before(thread, actor, idempotency_key, internal_note=internal_note)
    if sent is not None:
        return sent
    body = _text(body, field="body", limit=BODY_MAX, missing=_("Write your message."))
    if thread.status == Status.CLOSED and not internal_note:
        raise InvalidTransition(_("This conversation is closed. Reopen it to write again."))
    flags = [] if staff else safety.require_confirmed(body, confirmed=confirmed_flags)
    now = now or timezone.now()
    try:
        with transaction.atomic():  # a savepoint: losing a race on the key leaves the outer work usable
            message = Message.objects.create(
                thread=thread,
                author=actor,
                acting_as=access.acting_as,
                author_staff=access.staff if staff else None,
                body=body,
                is_internal_note=internal_note,
                created_at=now,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # The same form was sent twice at once and the other request wrote the message.
        sent = _sent_before(thread, actor, idempotency_key, internal_note=internal_note)
        if sent is None:
            raise
        return sent
    save_attachments(message, attachments or [])
    if internal_note:
        audit.record_access(
            access,
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="messaging.InternalNote",
            object_id=message.pk,
        )
        return message
    fields = ["status", "last_message_at"]
    if staff:
        _move(thread, Status.ANSWERED)
        if thread.first_responded_at is None:
            thread.first_responded_at = now
            fields.append("first_responded_at")
            if now > thread.first_response_due_at and thread.sla_state != Thread.SlaState.BREACHED:
                # Answered late before the sweep noticed: the record says so all the same.
                thread.sla_state = Thread.SlaState.BREACHED
                fields.append("sla_state")
                SlaEvent.objects.bulk_create(
                    [
                        SlaEvent(
                            thread=thread,
                            kind=SlaEvent.Kind.BREACHED,
                            at=now,
                            pool_id=thread.pool_id,
                            owner_id=thread.owner_id,
                        )
                    ],
                    ignore_conflicts=True,
                )
    else:
        _move(thread, Status.OPEN)
        if flags:
            fields += _file_as_urgent(thread, flags, actor=actor, now=now)
    thread.last_message_at = now
    thread.save(update_fields=fields)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.SEND, obj=message)
    if staff:
        notifications.reply_waiting(thread_id=thread.pk, patient_id=thread.patient_id)
    briefing_inputs.changed(thread.patient_id)
    return message


def _file_as_urgent(thread: Thread, flags: list[str], *, actor: User, now: datetime) -> list[str]:
    """A confirmed red-flag reply: the thread keeps the findings and becomes urgent. If its pool or
    owner cannot handle urgent threads (a medical assistant, the front desk, billing) it moves
    where a new flagged thread would go, and a first answer still owed is due no later than
    that route's urgent promise. Returns the fields changed (the caller saves)."""
    fields = []
    merged = sorted(set(thread.safety_flags) | set(flags))
    if merged != thread.safety_flags:
        thread.safety_flags = merged
        fields.append("safety_flags")
    if thread.urgency != Thread.Urgency.URGENT:
        thread.urgency = Thread.Urgency.URGENT
        fields.append("urgency")
    plan = plan_thread(
        organization=thread.organization,
        patient=thread.patient,
        category=thread.category,
        urgency=Thread.Urgency.URGENT,
        now=now,
        safety_flagged=True,
    )
    owner_fits = thread.owner is not None and may_answer(thread.owner, safety_flagged=True)
    if not owner_fits or thread.pool.kind not in (Pool.Kind.NURSE_TRIAGE, Pool.Kind.PHYSICIAN_INBOX, Pool.Kind.ON_CALL):
        fields += _move_to_plan(thread, plan, now=now)
    if thread.first_responded_at is None and plan.first_response_due_at < thread.first_response_due_at:
        thread.first_response_due_at, thread.at_risk_at = plan.first_response_due_at, plan.at_risk_at
        fields += ["first_response_due_at", "at_risk_at"]
    return fields


def _move_to_plan(thread: Thread, plan: Plan, *, now: datetime) -> list[str]:
    OwnershipChange.objects.create(
        thread=thread,
        from_owner_id=thread.owner_id,
        to_owner=plan.owner,
        reason=Thread.OwnerReason.SAFETY,
        from_pool_id=thread.pool_id,
        to_pool=plan.pool,
        at=now,
    )
    thread.pool, thread.owner, thread.owner_reason = plan.pool, plan.owner, Thread.OwnerReason.SAFETY
    raise_alerts(thread, plan.alerts)
    notifications.owner_changed(thread_id=thread.pk, owner_id=plan.owner.pk if plan.owner else None)
    return ["pool", "owner", "owner_reason"]


def _change_owner(
    thread: Thread, *, to: StaffMember, reason: str, actor: User, access: Access, note: str = "", now: datetime | None
) -> Thread:
    if thread.status == Status.CLOSED:
        raise InvalidTransition(_("This conversation is closed. Reopen it first."))
    now = now or timezone.now()
    OwnershipChange.objects.create(
        thread=thread, from_owner_id=thread.owner_id, to_owner=to, reason=reason, note=note, changed_by=actor, at=now
    )
    thread.owner, thread.owner_reason = to, reason
    thread.save(update_fields=["owner", "owner_reason"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=thread)
    notifications.owner_changed(thread_id=thread.pk, owner_id=to.pk)
    return thread


@transaction.atomic
def thread_reassign(
    *, access: Access, actor: User, thread_id: int, to_staff_id: int, note: str, now: datetime | None = None
) -> Thread:
    """Staff hand a thread to a colleague at the thread's organization, saying why (`note`,
    kept for staff). The answer time does not move: the promise was made to the patient."""
    access.require(Action.MESSAGING, staff_side=True)
    thread = _locked_thread(access, thread_id)
    note = _text(note, field="note", limit=1000, missing=_("Say why you are passing this on."))
    to = StaffMember.objects.select_related("user").filter(pk=to_staff_id, organization=thread.organization_id).first()
    if to is None or not may_answer(to):
        raise ServiceError(_("Choose a colleague who answers messages here."), field="to_staff")
    if thread.safety_flags and not may_answer(to, safety_flagged=True):
        raise ServiceError(
            _("This message has signs of an emergency: pass it to a nurse or a physician."), field="to_staff"
        )
    if to.pk == thread.owner_id:
        raise ServiceError(_("This colleague already has this conversation."), field="to_staff")
    return _change_owner(
        thread, to=to, reason=Thread.OwnerReason.REASSIGNED, actor=actor, access=access, note=note, now=now
    )


@transaction.atomic
def thread_claim(*, access: Access, actor: User, thread_id: int, now: datetime | None = None) -> Thread:
    """A staff member of the thread's organization takes the thread."""
    staff = access.staff_member()
    thread = _locked_thread(access, thread_id)
    me = staff if staff.organization_id == thread.organization_id else None
    me = me or StaffMember.objects.filter(user=actor, organization=thread.organization_id, is_active=True).first()
    if me is None or not may_answer(me):
        raise ServiceError(_("Only staff who answer messages here can take this conversation."))
    if thread.safety_flags and not may_answer(me, safety_flagged=True):
        raise ServiceError(_("This message has signs of an emergency: only a nurse or a physician can take it."))
    if me.pk == thread.owner_id:
        return thread
    return _change_owner(thread, to=me, reason=Thread.OwnerReason.CLAIMED, actor=actor, access=access, now=now)


@transaction.atomic
def thread_close(
    *, access: Access, actor: User, thread_id: int, outcome: str = "", now: datetime | None = None
) -> Thread:
    """The patient, a caregiver or staff close a thread. One never answered stops its clock.

    Staff say how it ended (`outcome`, a Thread.Outcome) and may close only what their role's
    protocol lets them resolve (messaging.protocols); the patient's side never gives an outcome."""
    thread = _locked_thread(access, thread_id)
    if access.is_patient_side:
        if outcome:
            raise Http404
    else:
        _check_resolution(access, actor, thread, outcome)
    if thread.status == Status.CLOSED:
        return thread  # a second click changes nothing
    _move(thread, Status.CLOSED)
    thread.closed_at = now or timezone.now()
    thread.outcome = outcome
    thread.save(update_fields=["status", "closed_at", "outcome"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=thread)
    # An open request is a line of the briefing's "What is next": it goes or comes back.
    briefing_inputs.changed(thread.patient_id)
    return thread


@transaction.atomic
def thread_reopen(*, access: Access, actor: User, thread_id: int) -> Thread:
    """Reopen a closed thread: it waits for the clinic again. A thread never answered keeps the
    answer time it was promised (so one reopened late is late at once: honest, not reset)."""
    thread = _locked_thread(access, thread_id)
    if thread.status != Status.CLOSED:
        return thread  # nothing to reopen (a second click, or it was never closed)
    _move(thread, Status.OPEN)
    thread.closed_at = None
    thread.outcome = ""
    thread.save(update_fields=["status", "closed_at", "outcome"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=thread)
    # An open request is a line of the briefing's "What is next": it goes or comes back.
    briefing_inputs.changed(thread.patient_id)
    return thread


def thread_mark_read(*, access: Access, thread_id: int) -> int:
    """The patient or a caregiver has seen the thread: stamp the read receipt on staff replies
    not seen before. Staff reading changes nothing. One query; returns how many were stamped.
    (The read itself is audited by the selector that shows the thread.)"""
    access.require(Action.MESSAGING)
    if not access.is_patient_side:
        return 0
    stamped = Message.objects.filter(
        thread__in=visible_threads(access).filter(pk=thread_id),
        acting_as=ActingAs.STAFF,
        is_internal_note=False,
        patient_read_at__isnull=True,
    ).update(patient_read_at=timezone.now())
    if stamped:  # an unread answer is no longer one the briefing names
        briefing_inputs.changed(access.patient.pk)
    return stamped


# -- staff: resolving by protocol, escalating to a physician -----------------------------------------


def staff_roles_at(access: Access, actor: User, thread: Thread) -> set[str]:
    """The roles `actor` works in for this thread: every active role at the thread's
    organization, and the role the access policy granted (a care-team clinician elsewhere)."""
    roles = set(
        StaffMember.objects.filter(user=actor, organization=thread.organization_id, is_active=True).values_list(
            "role", flat=True
        )
    )
    if access.staff is not None:
        roles.add(access.staff.role)
    return roles


def _check_resolution(access: Access, actor: User, thread: Thread, outcome: str) -> None:
    access.require(Action.MESSAGING, staff_side=True)
    if outcome not in Thread.Outcome.values:
        raise ServiceError(_("Choose how this conversation ended."), field="outcome")
    reason = protocols.refusal(
        staff_roles_at(access, actor, thread), category=thread.category, urgency=thread.urgency, outcome=outcome
    )
    if reason is not None:
        raise ServiceError(reason, field="outcome")


@transaction.atomic
def thread_escalate(*, access: Access, actor: User, thread_id: int, note: str, now: datetime | None = None) -> Thread:
    """Staff ask for a physician's answer: the thread moves to the organization's physician inbox,
    owned by the patient's primary care provider if they are in it, else by its least busy
    member (routing.owner_for). The reason is kept for staff; the answer time does not move."""
    access.require(Action.MESSAGING, staff_side=True)
    thread = _locked_thread(access, thread_id)
    note = _text(note, field="note", limit=1000, missing=_("Say what the physician should look at."))
    if thread.status == Status.CLOSED:
        raise InvalidTransition(_("This conversation is closed. Reopen it first."))
    pool = (
        Pool.objects.select_related("lead")
        .filter(organization=thread.organization_id, kind=Pool.Kind.PHYSICIAN_INBOX)
        .order_by("pk")
        .first()
    )
    if pool is None:
        raise ServiceError(
            _("This clinic has no physician inbox to escalate to. Pass the message to a physician by name instead.")
        )
    if pool.pk == thread.pool_id:
        raise ServiceError(_("This conversation is already in the physician inbox. Pass it to a colleague instead."))
    alerts: list[str] = []
    owner, _reason = owner_for(pool, access.patient, alerts)
    now = now or timezone.now()
    OwnershipChange.objects.create(
        thread=thread,
        from_owner_id=thread.owner_id,
        to_owner=owner,
        reason=Thread.OwnerReason.ESCALATED,
        from_pool_id=thread.pool_id,
        to_pool=pool,
        note=note,
        changed_by=actor,
        at=now,
    )
    thread.pool, thread.owner, thread.owner_reason = pool, owner, Thread.OwnerReason.ESCALATED
    thread.save(update_fields=["pool", "owner", "owner_reason"])
    raise_alerts(thread, alerts)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=thread)
    owner_id = owner.pk if owner else None
    notifications.owner_changed(thread_id=thread.pk, owner_id=owner_id)
    return thread
