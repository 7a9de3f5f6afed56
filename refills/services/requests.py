"""The patient side's writes: send a request for one or several medicines (its note through the
safety screen, idempotent on double submit, at most one open request per medicine), cancel one,
choose a preferred pharmacy. A request opens its conversation through messaging's one service,
so the page says who answers by when exactly as a message does."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import safety
from messaging.models import Pool, Thread
from messaging.services.threads import thread_open_for
from portal import audit, briefing_inputs
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import InvalidTransition, ServiceError
from refills import notifications
from refills.actions import Action as MedicineAction
from refills.actions import MedicineAction as Medicine
from refills.actions import by_protocol
from refills.models import TRANSITIONS, Pharmacy, PreferredPharmacy, RefillEvent, RefillRequest
from refills.selectors.patient import actions_by_key, alignment_plan, usable_pharmacies, visible_requests

Status = RefillRequest.Status
NOTE_MAX = 2000
KEY_MAX = 64
SUPPLY_CHOICES = (30, 60, 90)


def move(request: RefillRequest, to: str) -> None:
    """The one place a request's status changes: any move not in TRANSITIONS is refused."""
    if to not in TRANSITIONS[request.status]:
        raise InvalidTransition(_("This request cannot change that way now. Reload the page to see where it is."))
    request.status = to


def clinic_today(access: Access, now: datetime) -> date:
    return timezone.localdate(now, ZoneInfo(access.patient.home_organization.time_zone))


def _why_not(name: str) -> ServiceError:
    return ServiceError(
        _("%(name)s cannot be requested now. The medicines page says why.") % {"name": name}, field="medicines"
    )


@transaction.atomic
def request_submit(
    *,
    access: Access,
    actor: User,
    medication_keys: Sequence[str],
    pharmacy_id: int,
    days_supply: int,
    note: str,
    idempotency_key: str,
    confirmed_flags: Collection[str] = (),
    make_preferred: bool = False,
    now: datetime | None = None,
) -> list[RefillRequest]:
    """Ask for more of each medicine in `medication_keys` (records' dedup keys, each offered a
    refill or renewal on the medicines page) at one pharmacy. One conversation in the clinic's
    refill pool carries them all. The same `idempotency_key` returns the requests it made; a
    medicine already requested (even by a request racing this one) is refused, writing nothing."""
    access.require(Action.REFILLS, patient_side=True)
    now = now or timezone.now()
    keys = list(dict.fromkeys(medication_keys))
    existing, pharmacy, note, flags = _existing_or_checked(
        access, idempotency_key=idempotency_key, pharmacy_id=pharmacy_id, note=note, confirmed_flags=confirmed_flags
    )
    if existing or pharmacy is None:
        return existing
    idempotency_key = idempotency_key.strip()
    if not keys:
        raise ServiceError(_("Choose at least one medicine."), field="medicines")
    if days_supply not in SUPPLY_CHOICES:
        raise ServiceError(_("Choose how many days' supply you need."), field="days_supply")
    actions = actions_by_key(access, today=clinic_today(access, now))
    chosen = []
    for key in keys:
        found = actions.get(key)
        if found is None:
            raise ServiceError(_("Choose medicines from your list."), field="medicines")
        if found.action == MedicineAction.REQUESTED:
            raise ServiceError(_("%(name)s has already been requested.") % {"name": found.name}, field="medicines")
        if not found.requestable or found.prescription is None:
            raise _why_not(found.name)
        chosen.append(found)
    return _file(
        access,
        actor,
        [Asked(found, days_supply) for found in chosen],
        pharmacy=pharmacy,
        note=note,
        flags=flags,
        idempotency_key=idempotency_key,
        make_preferred=make_preferred,
        now=now,
    )


@dataclass(frozen=True)
class Asked:
    medicine: Medicine
    days_supply: int
    refills: int = 0


def _file(
    access: Access,
    actor: User,
    asked: list[Asked],
    *,
    pharmacy: Pharmacy,
    note: str,
    flags: list[str],
    idempotency_key: str,
    make_preferred: bool,
    now: datetime,
    align_to: date | None = None,
) -> list[RefillRequest]:
    """Write the requests, their first step and the one conversation that carries them."""
    submission = uuid.uuid4()
    requests = []
    try:
        with transaction.atomic():  # a savepoint: losing a race leaves nothing half-written
            for one in asked:
                found = one.medicine
                prescription = found.prescription
                if prescription is None:  # requestable actions always name one
                    raise _why_not(found.name)
                requests.append(
                    RefillRequest.objects.create(
                        patient=access.patient,
                        organization=access.patient.home_organization,
                        submission=submission,
                        medication_key=found.key,
                        medication_name=found.name,
                        rxnorm_code=prescription.code,
                        prescription=prescription,
                        kind=RefillRequest.Kind.RENEWAL if align_to else found.request_kind,
                        confidential=prescription.confidential,
                        pharmacy=pharmacy,
                        days_supply=one.days_supply,
                        refills_asked=one.refills,
                        align_to=align_to,
                        note=note,
                        protocol=found.protocol,
                        needs_prescriber=not by_protocol(found.protocol),
                        requested_by=actor,
                        created_at=now,
                        idempotency_key=idempotency_key,
                    )
                )
    except IntegrityError:
        again = list(visible_requests(access).filter(idempotency_key=idempotency_key).order_by("pk"))
        if again:
            return again  # the same form, submitted twice at once: the other made them
        raise ServiceError(
            _("One of these medicines has just been requested. Reload the page to see it."), field="medicines"
        ) from None
    RefillEvent.objects.bulk_create(
        RefillEvent(request=r, kind=RefillEvent.Kind.SUBMITTED, at=now, by=actor) for r in requests
    )
    thread = thread_open_for(
        access=access,
        author=actor,
        actor=actor,
        category=Thread.Category.REFILL,
        subject=_subject(requests),
        body=_body(requests, pharmacy, note, align_to),
        idempotency_key=f"refill-{submission}",
        safety_flags=flags,
        pool_kinds=(Pool.Kind.REFILLS,),
        confidential=any(r.confidential for r in requests),
        now=now,
    )
    RefillRequest.objects.filter(pk__in=[r.pk for r in requests]).update(thread=thread)
    for r in requests:
        r.thread = thread
        audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=r, confidential=r.confidential)
    # A caregiver's "use from now on" leaves alone a pharmacy the teenager chose in confidence
    # (her caregiver never sees it), rather than refusing the whole request.
    if make_preferred and not _preference_hidden(access):
        pharmacy_prefer(
            access=access,
            actor=actor,
            pharmacy_id=pharmacy.pk,
            now=now,
            confidential=any(r.confidential for r in requests),
        )
    briefing_inputs.changed(access.patient.pk)
    return requests


def _existing_or_checked(
    access: Access, *, idempotency_key: str, pharmacy_id: int, note: str, confirmed_flags: Collection[str]
) -> tuple[list[RefillRequest], Pharmacy | None, str, list[str]]:
    """What a form with this key already made, or its pharmacy, note and confirmed findings."""
    idempotency_key = idempotency_key.strip()
    if not idempotency_key or len(idempotency_key) > KEY_MAX:
        raise ServiceError(_("Something went wrong with the form. Reload the page and send again."))
    existing = list(visible_requests(access).filter(idempotency_key=idempotency_key).order_by("pk"))
    if existing:
        return existing, None, "", []
    pharmacy = usable_pharmacies(access).filter(pk=pharmacy_id).first()
    if pharmacy is None:
        raise ServiceError(_("Choose a pharmacy."), field="pharmacy")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("Please shorten this to %(limit)s characters.") % {"limit": NOTE_MAX}, field="note")
    flags = safety.require_confirmed(note, confirmed=confirmed_flags) if note else []
    return [], pharmacy, note, flags


@transaction.atomic
def alignment_submit(
    *,
    access: Access,
    actor: User,
    pharmacy_id: int,
    idempotency_key: str,
    note: str = "",
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> list[RefillRequest]:
    """The "renew all my long-term medicines to my annual visit" request: one request (one conversation) for
    every medicine the plan aligns (selectors.patient.alignment_plan), each with the days a fill
    and the refills that make it last until the visit. The same key returns what it made."""
    access.require(Action.REFILLS, patient_side=True)
    now = now or timezone.now()
    existing, pharmacy, note, flags = _existing_or_checked(
        access, idempotency_key=idempotency_key, pharmacy_id=pharmacy_id, note=note, confirmed_flags=confirmed_flags
    )
    if existing or pharmacy is None:
        return existing
    plan = alignment_plan(access, today=clinic_today(access, now))
    if not plan.available:
        raise ServiceError(plan.unavailable or _("None of your medicines can be renewed this way."))
    return _file(
        access,
        actor,
        [Asked(one.medicine, one.days_supply, one.refills) for one in plan.medicines],
        pharmacy=pharmacy,
        note=note,
        flags=flags,
        idempotency_key=idempotency_key.strip(),
        make_preferred=False,
        now=now,
        align_to=plan.visit_on,
    )


def _subject(requests: list[RefillRequest]) -> str:
    names = ", ".join(r.medication_name for r in requests)
    return _("Refill request: %(names)s") % {"names": names}


def _body(requests: list[RefillRequest], pharmacy: Pharmacy, note: str, align_to: date | None) -> str:
    if align_to is not None:
        lines = [_("Renew my long-term medicines to my annual visit (%(day)s):") % {"day": align_to}]
        lines += [
            "- "
            + _("%(name)s: %(days)s days a fill, %(refills)s refills")
            % {"name": r.medication_name, "days": r.days_supply, "refills": r.refills_asked}
            for r in requests
        ]
    else:
        lines = [f"- {r.medication_name} ({r.get_kind_display()})" for r in requests]
        lines.append(_("Days' supply: %(days)s") % {"days": requests[0].days_supply})
    lines.append(_("Pharmacy: %(pharmacy)s") % {"pharmacy": pharmacy})
    if note:
        lines += ["", note]
    return "\n".join(lines)


@transaction.atomic
def request_cancel(*, access: Access, actor: User, request_id: int, now: datetime | None = None) -> RefillRequest:
    """The patient side withdraws a request the clinic has not decided yet."""
    access.require(Action.REFILLS, patient_side=True)
    request = visible_requests(access).select_for_update().filter(pk=request_id).first()
    if request is None:
        raise Http404
    now = now or timezone.now()
    move(request, Status.CANCELLED)
    request.save(update_fields=["status"])
    RefillEvent.objects.create(request=request, kind=RefillEvent.Kind.CANCELLED, at=now, by=actor)
    if access.acting_as != AuditEvent.ActingAs.SELF:  # a caregiver cancelled it: the patient hears
        notify(request, "cancelled")
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=request,
        object_type="refills.RefillCancel",  # its own sentence on the activity page
        confidential=request.confidential,
    )
    briefing_inputs.changed(access.patient.pk)
    return request


@transaction.atomic
def pharmacy_prefer(
    *, access: Access, actor: User, pharmacy_id: int, now: datetime | None = None, confidential: bool = False
) -> PreferredPharmacy:
    """`confidential`: chosen with a teenager's confidential request, so hidden from her caregivers."""
    access.require(Action.REFILLS, patient_side=True)
    pharmacy = usable_pharmacies(access).filter(pk=pharmacy_id).first()
    if pharmacy is None:
        raise ServiceError(_("Choose a pharmacy."), field="pharmacy")
    if _preference_hidden(access):
        raise ServiceError(_("Only the patient can change their pharmacy."), field="pharmacy")
    preferred, _created = PreferredPharmacy.objects.update_or_create(
        patient=access.patient,
        defaults={"pharmacy": pharmacy, "updated_at": now or timezone.now(), "confidential": confidential},
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=preferred)
    return preferred


def _preference_hidden(access: Access) -> bool:
    """Whether the patient's pharmacy was chosen in confidence (or is one the teenager added
    herself), and this caregiver may not see it."""
    if not access.hides_confidential:
        return False
    secret = Q(confidential=True) | Q(pharmacy__added_for__isnull=False, pharmacy__added_by_caregiver=False)
    return PreferredPharmacy.objects.filter(secret, patient=access.patient).exists()


@transaction.atomic
def pharmacy_add(*, access: Access, actor: User, name: str, address: str, phone: str) -> Pharmacy:
    """A pharmacy the patient side adds (not yet known to the clinic): no e-prescribing id, so
    the clinic's gateway matches it by name and address."""
    access.require(Action.REFILLS, patient_side=True)
    name, address, phone = name.strip(), address.strip(), phone.strip()
    if not name:
        raise ServiceError(_("Give the pharmacy's name."), field="name")
    if not address:
        raise ServiceError(_("Give the pharmacy's address."), field="address")
    name, address = name[:200], address[:300]
    # One the clinic already lists is used as is; otherwise it is this patient's alone.
    pharmacy = Pharmacy.objects.filter(name=name, address=address, added_for__isnull=True).first()
    if pharmacy is None:
        pharmacy, _created = Pharmacy.objects.get_or_create(
            name=name, address=address, added_for=access.patient, defaults={"phone": phone[:32]}
        )
        if access.acting_as == AuditEvent.ActingAs.PROXY and not pharmacy.added_by_caregiver:
            # The caregiver typed it, so it is no secret from them (one the teenager added stays so).
            pharmacy.added_by_caregiver = True
            pharmacy.save(update_fields=["added_by_caregiver"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=pharmacy)
    return pharmacy


def notify(request: RefillRequest, step: str) -> None:
    notifications.request_updated(patient=request.patient, request_id=request.pk, step=step)
