"""Renewal requests a pharmacy's system sends (the pharmacy-initiated renewal of e-prescribing):
they land in the same staff queue as the patient side's requests, through the same action rules
(a medicine of another clinic, a controlled one, one already requested... is refused in plain
words), and are idempotent on the pharmacy's message id. Keys are issued here, shown once and
stored as their SHA-256 hash."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.models import Pool, Thread
from messaging.services.threads import thread_open_for_system
from portal import audit, briefing_inputs
from portal.access import Action
from portal.models import AuditEvent, Patient
from portal.services.errors import ServiceError
from portal.services.tokens import new_token, token_hash
from records.models import RecordItem
from records.selectors.patient import items_for_rules
from refills import notifications
from refills.actions import Action as MedicineAction
from refills.actions import by_protocol, decide
from refills.models import Pharmacy, PharmacyClient, RefillEvent, RefillProtocol, RefillRequest
from refills.selectors.patient import group_key

MESSAGE_ID_MAX = 100
NOTE_MAX = 2000
# How a pharmacy's renewal reads on the patient's activity page (portal/selectors/activity.py).
AUDIT_TYPE = "refills.PharmacyRenewal"

REFUSALS = {
    MedicineAction.OUTSIDE: gettext_lazy("This medicine was prescribed by another organization; ask its prescriber."),
    MedicineAction.CONTROLLED: gettext_lazy(
        "This is a controlled medicine: it is not renewed this way. Call the clinic."
    ),
    MedicineAction.DISCONTINUED: gettext_lazy("The prescriber stopped this medicine."),
    MedicineAction.TOO_EARLY: gettext_lazy("It is too early: the last supply sent has not run out yet."),
    MedicineAction.ENDED: gettext_lazy("This prescription ended too long ago to renew: the patient needs a visit."),
}


def client_issue(
    *, pharmacy: Pharmacy, organization_id: int, label: str = "", now: datetime | None = None
) -> tuple[PharmacyClient, str]:
    """A new key for `pharmacy`'s system to send renewals to the clinic: (the row, the key). The
    key is returned once and never stored."""
    key, digest = new_token()
    client = PharmacyClient.objects.create(
        pharmacy=pharmacy,
        organization_id=organization_id,
        label=label[:120],
        key_hash=digest,
        key_prefix=key[:8],
        created_at=now or timezone.now(),
    )
    return client, key


def client_for_key(key: str) -> PharmacyClient | None:
    """The active client whose key this is (None for an unknown, revoked or empty key)."""
    key = key.strip()
    if not key or len(key) > 200:
        return None
    return (
        PharmacyClient.objects.select_related("pharmacy", "organization")
        .filter(key_hash=token_hash(key), is_active=True, pharmacy__is_active=True)
        .first()
    )


def _idempotency_key(client: PharmacyClient, message_id: str) -> str:
    digest = hashlib.sha256(f"{client.pk}:{message_id}".encode()).hexdigest()[:40]
    return f"pharmacy-{digest}"


def _patient(client: PharmacyClient, family_name: str, given_name: str, birth_date: date) -> Patient:
    found = list(
        Patient.objects.select_related("home_organization").filter(
            home_organization=client.organization_id,
            family_name__iexact=family_name.strip(),
            given_name__iexact=given_name.strip(),
            birth_date=birth_date,
        )[:2]
    )
    if len(found) != 1:
        raise ServiceError(_("No single patient of this clinic has this name and date of birth."), field="patient")
    return found[0]


def _body(request: RefillRequest, client: PharmacyClient) -> str:
    lines = [
        _("%(pharmacy)s asks the clinic to renew %(name)s (%(days)s days).")
        % {"pharmacy": client.pharmacy, "name": request.medication_name, "days": request.days_supply},
        _("Its message id: %(id)s") % {"id": request.pharmacy_message_id},
    ]
    if request.note:
        lines += ["", request.note]
    return "\n".join(lines)


@transaction.atomic
def renewal_from_pharmacy(
    *,
    client: PharmacyClient,
    message_id: str,
    family_name: str,
    given_name: str,
    birth_date: date,
    rxnorm_code: str,
    days_supply: int,
    note: str = "",
    now: datetime | None = None,
) -> tuple[RefillRequest, bool]:
    """The request for the pharmacy's message (and whether this call made it). The same message
    id again returns the request it made, writing nothing."""
    now = now or timezone.now()
    message_id = message_id.strip()
    if not message_id or len(message_id) > MESSAGE_ID_MAX:
        raise ServiceError(
            _("Send the message id (up to %(max)s characters).") % {"max": MESSAGE_ID_MAX}, field="message_id"
        )
    existing = RefillRequest.objects.filter(pharmacy_client=client, pharmacy_message_id=message_id).first()
    if existing is not None:
        return existing, False
    if len(note) > NOTE_MAX:
        raise ServiceError(_("Please shorten this to %(limit)s characters.") % {"limit": NOTE_MAX}, field="note")
    patient = _patient(client, family_name, given_name, birth_date)
    items = [
        i
        for i in items_for_rules(patient.pk, kinds=(RecordItem.Kind.MEDICATION,), codes=())
        if i.kind == RecordItem.Kind.MEDICATION
    ]
    matching = {group_key(i) for i in items if i.code == rxnorm_code.strip()}
    if len(matching) != 1:
        raise ServiceError(_("This patient's record has no prescription with this RxNorm code."), field="rxnorm_code")
    (key,) = matching
    home = patient.home_organization
    found = decide(
        key=key,
        items=[i for i in items if group_key(i) == key],
        home=home,
        protocols=list(RefillProtocol.objects.all()),
        requests=list(RefillRequest.objects.filter(patient=patient, medication_key=key)),
        today=timezone.localdate(now, ZoneInfo(home.time_zone)),
    )
    if found.action == MedicineAction.REQUESTED:
        raise ServiceError(_("This medicine has already been requested."), field="rxnorm_code")
    if not found.requestable or found.prescription is None:
        raise ServiceError(str(REFUSALS.get(found.action, REFUSALS[MedicineAction.ENDED])), field="rxnorm_code")
    prescription = found.prescription
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves nothing half-written
            request = RefillRequest.objects.create(
                patient=patient,
                organization=home,
                submission=uuid.uuid4(),
                medication_key=key,
                medication_name=found.name,
                rxnorm_code=prescription.code,
                prescription=prescription,
                kind=found.request_kind,
                confidential=prescription.confidential,
                pharmacy=client.pharmacy,
                days_supply=days_supply,
                note=note.strip(),
                protocol=found.protocol,
                needs_prescriber=not by_protocol(found.protocol),
                pharmacy_client=client,
                pharmacy_message_id=message_id,
                created_at=now,
                idempotency_key=_idempotency_key(client, message_id),
            )
    except IntegrityError:
        again = RefillRequest.objects.filter(pharmacy_client=client, pharmacy_message_id=message_id).first()
        if again is not None:
            return again, False  # the same message, delivered twice at once
        raise ServiceError(_("This medicine has already been requested."), field="rxnorm_code") from None
    RefillEvent.objects.create(
        request=request, kind=RefillEvent.Kind.SUBMITTED, at=now, note=str(client.pharmacy)[:500]
    )
    PharmacyClient.objects.filter(pk=client.pk).update(last_used_at=now)
    audit.record(
        actor=None,
        patient=patient,
        action=AuditEvent.Action.CREATE,
        object_type=AUDIT_TYPE,
        object_id=request.pk,
        acting_as=AuditEvent.ActingAs.SYSTEM,
        scope=Action.REFILLS,
        confidential=request.confidential,
    )
    # Its conversation in the refill pool, as a patient's request has: a named owner and an answer
    # time. No person wrote it: messaging opens it as the pharmacy's system's words.
    request.thread = thread_open_for_system(
        patient=patient,
        action=Action.REFILLS,
        sender=_("%(pharmacy)s (pharmacy system)") % {"pharmacy": client.pharmacy.name},
        category=Thread.Category.REFILL,
        subject=_("Renewal request from %(pharmacy)s: %(name)s")
        % {"pharmacy": client.pharmacy.name, "name": found.name},
        body=_body(request, client),
        idempotency_key=request.idempotency_key,
        pool_kinds=(Pool.Kind.REFILLS,),
        confidential=request.confidential,
        now=now,
    )
    request.save(update_fields=["thread"])
    notifications.request_updated(patient=patient, request_id=request.pk, step="pharmacy_asked")
    briefing_inputs.changed(patient.pk)
    return request, True
