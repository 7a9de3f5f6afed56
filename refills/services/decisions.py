"""Staff decisions on a refill request, by role: a nurse or medical assistant may approve when
every protocol check passes (no change, the protocol's supply); anything else is the
prescriber's (a physician): a failed check, a controlled or always-to-the-prescriber medicine, a
change. Deny needs a reason from the fixed list; "needs a visit" keeps an optional bridge supply.
An approval writes the new prescription in the record (records' service) and queues the message
to the pharmacy; the patient hears that there is an update."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, briefing_inputs
from portal.access import Access, Action, resolve
from portal.models import AuditEvent, StaffRole, User
from portal.services.errors import ServiceError
from records.services.prescriptions import prescription_continue
from refills.models import DECIDABLE, RefillEvent, RefillRequest
from refills.protocol_checks import all_passed
from refills.selectors.staff import checks_for, staff_request
from refills.services.pharmacy import message_queue
from refills.services.requests import move, notify

Status = RefillRequest.Status
PRESCRIBERS = frozenset({StaffRole.PHYSICIAN})
BY_PROTOCOL = frozenset({StaffRole.NURSE, StaffRole.MEDICAL_ASSISTANT})
# Each step is audited under a type of its own, so the patient's activity page can say who
# reviewed, passed on, approved or denied (portal/selectors/activity.py); the id is the request's.
# A bridge supply until the needed visit: at most this many days, and up to BRIDGE_BY_PROTOCOL
# days without the prescriber.
BRIDGE_MAX = 90
BRIDGE_BY_PROTOCOL = 30
AUDIT_TYPES: dict[str, str] = {
    Status.IN_REVIEW: "refills.RefillReview",
    RefillEvent.Kind.TO_PRESCRIBER: "refills.RefillToPrescriber",
    Status.APPROVED: "refills.RefillApproval",
    Status.APPROVED_WITH_CHANGES: "refills.RefillApprovalChanged",
    Status.DENIED: "refills.RefillDenial",
    Status.NEEDS_VISIT: "refills.RefillNeedsVisit",
}


def _locked(access: Access, request_id: int) -> RefillRequest:
    request = (
        staff_request(access, request_id)
        .select_for_update(of=("self",))
        .select_related("patient", "organization", "pharmacy", "protocol", "prescription__record")
        .first()
    )
    if request is None:
        raise Http404
    return request


def _roles(access: Access, actor: User, request: RefillRequest) -> set[str]:
    roles = set(
        actor.staff_roles.filter(organization=request.organization_id, is_active=True).values_list("role", flat=True)
    )
    if access.staff is not None:
        roles.add(access.staff.role)
    return roles


def approval_refusal(roles: set[str], *, passed: bool, needs_prescriber: bool, changed: bool) -> str | None:
    """Why these roles may not approve (None: they may)."""
    if roles & PRESCRIBERS:
        return None
    if not roles & BY_PROTOCOL:
        return _("Only nurses, medical assistants and prescribers decide refill requests.")
    if needs_prescriber:
        return _("This medicine goes to the prescriber. Pass it to the prescriber.")
    if changed:
        return _("A change to the prescription is the prescriber's decision. Pass it to the prescriber.")
    if not passed:
        return _("Not every protocol check passed. Pass it to the prescriber.")
    return None


def why_not_approve(*, access: Access, actor: User, request: RefillRequest, passed: bool) -> str | None:
    """Why this staff member may not approve the request as asked (None: they may), for the review
    page to say instead of offering a button the service would refuse."""
    return approval_refusal(
        _roles(access, actor, request), passed=passed, needs_prescriber=request.needs_prescriber, changed=False
    )


def _step(request: RefillRequest, kind: str, actor: User, now: datetime, note: str = "") -> None:
    RefillEvent.objects.create(request=request, kind=kind, at=now, by=actor, note=note[:500])


def _decided(access: Access, actor: User, request: RefillRequest, now: datetime, fields: list[str]) -> None:
    request.decided_by, request.decided_at = actor, now
    request.save(update_fields=["status", "decided_by", "decided_at", *fields])
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=request,
        object_type=AUDIT_TYPES[request.status],
        confidential=request.confidential,
    )
    notify(request, request.status)
    briefing_inputs.changed(request.patient_id)


def _prescribe(
    access: Access,
    actor: User,
    request: RefillRequest,
    *,
    days: int,
    refills: int,
    now: datetime,
    valid_until: date | None = None,
) -> None:
    """Write the new prescription in the record (records' service) and queue it to the pharmacy,
    in the caller's transaction: an approval, or a bridge supply until a visit."""
    record_access = resolve(actor, request.patient, Action.RECORDS) or access
    prescription = prescription_continue(
        access=record_access,
        actor=actor,
        original=request.prescription,
        resource_id=f"portal-refill-{request.pk}",
        days_supply=days,
        refills=refills,
        written_at=now,
        valid_until=valid_until,
    )
    request.new_prescription, request.approved_days_supply = prescription, days
    message_queue(
        request=request,
        payload={
            "pharmacy": {
                "name": request.pharmacy.name,
                "address": request.pharmacy.address,
                "ncpdp_id": request.pharmacy.ncpdp_id,
            },
            "prescription": prescription.record.raw,
        },
        now=now,
    )


@transaction.atomic
def request_take(*, access: Access, actor: User, request_id: int, now: datetime | None = None) -> RefillRequest:
    """A staff member starts reviewing a request: the patient sees "in review" and by whom."""
    request = _locked(access, request_id)
    now = now or timezone.now()
    if request.status == Status.IN_REVIEW:
        return request
    move(request, Status.IN_REVIEW)
    request.save(update_fields=["status"])
    _step(request, RefillEvent.Kind.IN_REVIEW, actor, now)
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=request,
        object_type=AUDIT_TYPES[Status.IN_REVIEW],
        confidential=request.confidential,
    )
    notify(request, "in_review")
    return request


@transaction.atomic
def request_to_prescriber(
    *, access: Access, actor: User, request_id: int, note: str, now: datetime | None = None
) -> RefillRequest:
    """Pass the request to the prescriber, saying what they should look at."""
    request = _locked(access, request_id)
    now = now or timezone.now()
    note = note.strip()
    if not note:
        raise ServiceError(_("Say what the prescriber should look at."), field="note")
    if request.status not in DECIDABLE:
        raise ServiceError(_("This request has already been decided."))
    if request.status == Status.SUBMITTED:
        move(request, Status.IN_REVIEW)
        notify(request, "in_review")
    request.needs_prescriber = True
    request.save(update_fields=["status", "needs_prescriber"])
    _step(request, RefillEvent.Kind.TO_PRESCRIBER, actor, now, note)
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=request,
        object_type=AUDIT_TYPES[RefillEvent.Kind.TO_PRESCRIBER],
        confidential=request.confidential,
    )
    return request


@transaction.atomic
def request_approve(
    *,
    access: Access,
    actor: User,
    request_id: int,
    days_supply: int | None = None,
    refills: int | None = None,
    change_note: str = "",
    now: datetime | None = None,
) -> RefillRequest:
    """Approve (with `change_note`, a change: the prescriber's). Writes the new prescription in
    the record and queues it to the pharmacy, in this transaction."""
    request = _locked(access, request_id)
    now = now or timezone.now()
    days = days_supply or request.days_supply
    refills = request.refills_asked if refills is None else refills
    if not 1 <= days <= 365:
        raise ServiceError(_("Choose a days' supply from 1 to 365."), field="days_supply")
    if not 0 <= refills <= 11:
        raise ServiceError(_("Choose from 0 to 11 refills."), field="refills")
    change_note = change_note.strip()
    # Refills multiply the supply: under protocol all of it (days x (1 + refills)) stays within
    # the protocol's most, and refills the patient did not ask for are a change (the prescriber's).
    # A renewal to the annual visit asked for the refills that reach the visit (its plan, from a
    # protocol that allows aligning): those are not a change, and each fill is what the protocol caps.
    changed = bool(change_note) or days != request.days_supply or refills > request.refills_asked
    if changed and not change_note:
        raise ServiceError(_("Say what changed, for the patient and the pharmacy."), field="change_note")
    supply = days if request.align_to is not None else days * (1 + refills)
    checks, _history = checks_for(request, now=now, days_supply=supply)
    refusal = approval_refusal(
        _roles(access, actor, request),
        passed=all_passed(checks),
        needs_prescriber=request.needs_prescriber,
        changed=changed,
    )
    if refusal is not None:
        raise ServiceError(refusal)
    move(request, Status.APPROVED_WITH_CHANGES if changed else Status.APPROVED)
    request.change_note = change_note[:500]
    _prescribe(access, actor, request, days=days, refills=refills, now=now, valid_until=request.align_to)
    _step(
        request,
        RefillEvent.Kind.APPROVED_WITH_CHANGES if changed else RefillEvent.Kind.APPROVED,
        actor,
        now,
        change_note,
    )
    _decided(access, actor, request, now, ["new_prescription", "approved_days_supply", "change_note"])
    return request


@transaction.atomic
def request_deny(
    *, access: Access, actor: User, request_id: int, reason: str, now: datetime | None = None
) -> RefillRequest:
    request = _locked(access, request_id)
    now = now or timezone.now()
    if reason not in RefillRequest.DenialReason.values:
        raise ServiceError(_("Choose why the request is denied."), field="reason")
    if not _roles(access, actor, request) & (PRESCRIBERS | BY_PROTOCOL):
        raise ServiceError(_("Only nurses, medical assistants and prescribers decide refill requests."))
    move(request, Status.DENIED)
    request.denial_reason = reason
    _step(request, RefillEvent.Kind.DENIED, actor, now, str(RefillRequest.DenialReason(reason).label))
    _decided(access, actor, request, now, ["denial_reason"])
    return request


@transaction.atomic
def request_needs_visit(
    *,
    access: Access,
    actor: User,
    request_id: int,
    note: str = "",
    bridge_days_supply: int | None = None,
    now: datetime | None = None,
) -> RefillRequest:
    """The patient must be seen first: the request page offers booking a visit. With
    `bridge_days_supply`, a short supply until then is written and sent to the pharmacy like an
    approval (a nurse or medical assistant may give up to BRIDGE_BY_PROTOCOL days of a medicine
    their protocol covers; anything else is the prescriber's)."""
    request = _locked(access, request_id)
    now = now or timezone.now()
    roles = _roles(access, actor, request)
    if not roles & (PRESCRIBERS | BY_PROTOCOL):
        raise ServiceError(_("Only nurses, medical assistants and prescribers decide refill requests."))
    if bridge_days_supply is not None:
        if not 1 <= bridge_days_supply <= BRIDGE_MAX:
            raise ServiceError(
                _("A bridge supply is from 1 to %(max)s days.") % {"max": BRIDGE_MAX}, field="bridge_days_supply"
            )
        if not roles & PRESCRIBERS and (request.needs_prescriber or bridge_days_supply > BRIDGE_BY_PROTOCOL):
            raise ServiceError(
                _("This bridge supply is the prescriber's decision. Pass it to the prescriber."),
                field="bridge_days_supply",
            )
    move(request, Status.NEEDS_VISIT)
    note = note.strip()
    fields = []
    if bridge_days_supply is not None:
        request.bridge_days_supply = bridge_days_supply
        _prescribe(access, actor, request, days=bridge_days_supply, refills=0, now=now)
        bridge = _("A %(days)s-day bridge supply until your visit.") % {"days": bridge_days_supply}
        note = f"{note} {bridge}".strip()
        fields = ["bridge_days_supply", "new_prescription", "approved_days_supply"]
    _step(request, RefillEvent.Kind.NEEDS_VISIT, actor, now, note)
    _decided(access, actor, request, now, fields)
    return request
