"""E-visit time and claims: staff time on a thread (measured while the thread is in front of
them, or adjusted by hand with a reason), the code it suggests, and a clinician's confirmation.

The rules (which time counts, bands, exclusions, our reading of CPT) are in
messaging.evisit_rules; the reads (one thread's facts, the panel, the report) in
messaging.selectors.staff_evisit.

Auditing: a measured beat is not audited. It reads nothing and changes nothing of the patient's
record; it says only that a staff member still has the thread open, whose opening the thread
page audits; and one row every 30 seconds would bury the patient's activity history. A manual
adjustment (a person's claim about their own work, with a reason) and a confirmed claim (billing)
are audited in their transactions.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.evisit_rules import EvisitSuggestion
from messaging.models import EvisitClaim, Thread, TimeEntry
from messaging.selectors.staff_evisit import confirm_refusal, confirmer, suggestion_for
from portal import audit
from portal.access import Access, Action, Qualification, qualification
from portal.models import AuditEvent, StaffMember, User
from portal.services.errors import ServiceError

# A beat is sent every 30 seconds; one may carry at most this much (and never more than the
# wall time since the same person's previous beat on the thread).
MAX_BEAT_SECONDS = 60
# What one manual adjustment may add or take away (the database allows 4 hours either way).
MAX_ADJUST_MINUTES = 240
REASON_MAX = 300
# Whose time a person's work is recorded under, when they have several jobs at the clinic.
RANK: dict[str, int] = {Qualification.PHYSICIAN_OR_APP: 0, Qualification.OTHER_PROFESSIONAL: 1, Qualification.NONE: 2}


def _locked_thread(access: Access, thread_id: int) -> Thread:
    access.require(Action.MESSAGING, staff_side=True)
    thread = Thread.objects.select_for_update().filter(pk=thread_id, patient=access.patient).first()
    if thread is None:
        raise Http404
    return thread


def _working_role(access: Access, actor: User, thread: Thread) -> StaffMember:
    """The actor's job at the thread's organization (their most qualified one); a care-team
    member from elsewhere works in the job the access policy found."""
    roles = StaffMember.objects.filter(user=actor, organization_id=thread.organization_id, is_active=True)
    best = min(roles, key=lambda role: (RANK[qualification(role)], role.pk), default=None)
    job = best or access.staff
    if job is None:  # a staff access always names the job
        raise Http404
    return job


@transaction.atomic
def record_active_time(
    *, access: Access, actor: User, thread_id: int, seconds: int, now: datetime | None = None
) -> int:
    """A beat from the browser: `seconds` of active time on the thread since the last beat.
    Clamped to MAX_BEAT_SECONDS and to the wall time since this person's previous beat on this
    thread, so a replayed, forged or doubled (two tabs) beat adds nothing the clock did not see.
    Returns the seconds recorded (0: nothing written)."""
    thread = _locked_thread(access, thread_id)
    now = now or timezone.now()
    allowed = min(seconds, MAX_BEAT_SECONDS)
    previous = (
        TimeEntry.objects.filter(thread=thread, staff__user=actor, source=TimeEntry.Source.ACTIVE)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    if previous is not None:
        allowed = min(allowed, int((now - previous).total_seconds()))
    if allowed <= 0:
        return 0
    staff = _working_role(access, actor, thread)
    TimeEntry.objects.create(thread=thread, staff=staff, source=TimeEntry.Source.ACTIVE, seconds=allowed, at=now)
    return allowed


@transaction.atomic
def adjust_time(
    *, access: Access, actor: User, thread_id: int, minutes: int, reason: str, now: datetime | None = None
) -> TimeEntry:
    """Add or take away minutes of one's own time on the thread, saying why (time spent away
    from the page: a phone call, reading the chart). One's total never goes below zero."""
    if minutes == 0 or abs(minutes) > MAX_ADJUST_MINUTES:
        raise ServiceError(
            _("Enter a number of minutes from -%(max)s to %(max)s, not 0.") % {"max": MAX_ADJUST_MINUTES},
            field="minutes",
        )
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why the time needs changing."), field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("Please shorten this to %(limit)s characters.") % {"limit": REASON_MAX}, field="reason")
    thread = _locked_thread(access, thread_id)
    mine = TimeEntry.objects.filter(thread=thread, staff__user=actor).aggregate(total=Sum("seconds"))["total"] or 0
    if mine + minutes * 60 < 0:
        raise ServiceError(
            _("You have %(minutes)s minutes recorded here: you cannot take away more than that.")
            % {"minutes": mine // 60},
            field="minutes",
        )
    entry = TimeEntry.objects.create(
        thread=thread,
        staff=_working_role(access, actor, thread),
        source=TimeEntry.Source.MANUAL,
        seconds=minutes * 60,
        note=reason,
        at=now or timezone.now(),
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=entry)
    return entry


def suggestion(thread: Thread) -> EvisitSuggestion:
    """The code the thread's time suggests now, or the reasons it is not billable."""
    return suggestion_for(thread)


@transaction.atomic
def confirm(*, access: Access, actor: User, thread_id: int, code: str, now: datetime | None = None) -> EvisitClaim:
    """A clinician whose time counts confirms the suggested code, or a lower one of the same
    kind. Refused, with the reason, when the thread is not billable, already confirmed, or the
    code is higher or of the other kind."""
    thread = _locked_thread(access, thread_id)
    current = suggestion_for(thread)
    refusal = confirm_refusal(current, actor.pk, code)
    if refusal is not None:
        raise ServiceError(refusal, field="code")
    clinician = confirmer(current, actor.pk)
    if clinician is None or current.period_start is None or current.period_end is None:  # refused above
        raise ServiceError(_("Only a clinician whose own time counts can confirm."), field="code")
    try:
        with transaction.atomic():
            claim = EvisitClaim.objects.create(
                thread=thread,
                clinician=clinician,
                code=code,
                minutes=current.minutes,
                period_start=current.period_start,
                period_end=current.period_end,
                confirmed_by=actor,
                confirmed_at=now or timezone.now(),
            )
    except IntegrityError as clash:
        raise ServiceError(_("This e-visit was already confirmed. Reload to see it."), field="code") from clash
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=claim)
    return claim
