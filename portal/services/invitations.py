"""Patient activation: the clinic invites a patient to link their own login to their record, by
an emailed link or, for someone who needs help signing up, a short code made at the desk (printed
or texted). Every code is single use and expires; making codes and trying them are rate limited."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.context import current_client
from portal.models import AuditEvent, Patient, PatientInvitation, User
from portal.services import notify
from portal.services.errors import InvalidToken, ServiceError
from portal.services.tokens import new_token, token_hash

# Desk codes: ten characters of an alphabet without look-alikes (no 0/O, 1/I/L, U), about 49 bits,
# shown as "ABCD-EFGH-JK". With the attempt limits below, guessing a live one is hopeless.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 10
DESK_CODE_TTL = timedelta(days=notify.DESK_CODE_DAYS)
# A staff member makes at most this many codes an hour, a patient gets at most this many a day.
CODES_PER_STAFF_PER_HOUR = 20
CODES_PER_PATIENT_PER_DAY = 5
# Wrong codes tried before the activation page refuses more for an hour: per signed-in account and
# per client address (looser: a clinic kiosk or a family computer is shared).
FAILURES_PER_USER = 10
FAILURES_PER_ADDRESS = 30
FAILURE_WINDOW_SECONDS = 3600


def new_desk_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalized(code: str) -> str:
    """A code as typed ("abcd efgh-jk") in its stored form ("ABCDEFGHJK")."""
    return "".join(character for character in code.upper() if character.isalnum())


def shown_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def desk_code_issue(
    *, access: Access, actor: User, delivery: str, phone: str = "", now: datetime | None = None
) -> tuple[PatientInvitation, str]:
    """A short activation code for a patient at the desk, to print or to text to `phone`. Earlier
    unused desk codes of the patient stop working (the newest paper is the one that counts).
    Returns the invitation and the code (shown once, never stored)."""
    now = now or timezone.now()
    patient = Patient.objects.select_for_update().get(pk=access.patient.pk)
    if patient.user_id is not None:
        raise ServiceError(_("This patient already has an account."))
    if delivery not in (PatientInvitation.Delivery.PRINT, PatientInvitation.Delivery.TEXT):
        raise ServiceError(_("Choose to print the code or to text it."), field="delivery")
    phone = phone.strip()
    if delivery == PatientInvitation.Delivery.TEXT and not phone:
        raise ServiceError(_("Enter the patient's mobile number to text the code."), field="phone")
    recent = PatientInvitation.objects.exclude(delivery=PatientInvitation.Delivery.EMAIL)
    if recent.filter(created_by=actor, created_at__gt=now - timedelta(hours=1)).count() >= CODES_PER_STAFF_PER_HOUR:
        raise ServiceError(_("You have made many activation codes in the last hour. Try again later."))
    if recent.filter(patient=patient, created_at__gt=now - timedelta(days=1)).count() >= CODES_PER_PATIENT_PER_DAY:
        raise ServiceError(_("This patient has had many activation codes today. Try again tomorrow."))
    recent.filter(patient=patient, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = new_desk_code()
    invitation = PatientInvitation.objects.create(
        patient=patient,
        delivery=delivery,
        token_hash=token_hash(code),
        created_by=actor,
        created_at=now,
        expires_at=now + DESK_CODE_TTL,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=invitation)
    if delivery == PatientInvitation.Delivery.TEXT:
        notify.desk_code_text(
            phone=phone,
            path=reverse("activate", kwargs={"token": shown_code(code)}),
            target_id=invitation.pk,
            language=patient.preferred_language,
        )
        audit.record_access(access, actor=actor, action=AuditEvent.Action.SEND, obj=invitation)
    return invitation, code


def _failure_keys(user: User | None) -> list[tuple[str, int]]:
    keys = [(f"activation-failures:ip:{current_client().ip or 'unknown'}", FAILURES_PER_ADDRESS)]
    if user is not None and user.is_authenticated:
        keys.append((f"activation-failures:user:{user.pk}", FAILURES_PER_USER))
    return keys


def attempts_blocked(user: User | None) -> bool:
    """Whether this account or address has tried too many wrong codes in the last hour."""
    return any(int(cache.get(key, 0)) >= limit for key, limit in _failure_keys(user))


def _count_failure(user: User | None) -> None:
    for key, _limit in _failure_keys(user):
        cache.add(key, 0, timeout=FAILURE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=FAILURE_WINDOW_SECONDS)


class TooManyAttempts(InvalidToken):
    pass


@transaction.atomic
def patient_invite(*, access: Access, actor: User, email: str) -> tuple[PatientInvitation, str]:
    patient = access.patient
    if patient.user_id is not None:
        raise ServiceError(_("This patient already has an account."))
    token, hashed = new_token()
    invitation = PatientInvitation.objects.create(
        patient=patient,
        email=email.strip().lower(),
        token_hash=hashed,
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=invitation)
    path = reverse("activate", kwargs={"token": token})
    notify.invite(
        email=invitation.email, kind="patient", path=path, target_id=invitation.pk, language=patient.preferred_language
    )
    return invitation, token


def invitation_for_token(token: str, *, user: User | None = None) -> PatientInvitation:
    """The working invitation behind an emailed link's token or a desk code as typed. Refused
    without a look while this account or address is over its limit of wrong tries; every unknown,
    used or expired code counts as one."""
    if attempts_blocked(user):
        raise TooManyAttempts(_("Too many codes were tried. Wait an hour, or ask your clinic for help."))
    hashes = {token_hash(token), token_hash(normalized(token))}
    invitation = PatientInvitation.objects.select_related("patient").filter(token_hash__in=hashes).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= timezone.now():
        _count_failure(user)
    if invitation is None:
        raise InvalidToken(_("This activation code is not valid. Ask your clinic for a new one."))
    if invitation.used_at is not None:
        raise InvalidToken(_("This activation code has already been used. Sign in, or ask your clinic for a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvalidToken(_("This activation code has expired. Ask your clinic for a new one."))
    return invitation


@transaction.atomic
def patient_activate(*, token: str, user: User) -> Patient:
    """Link the signed-in account to the patient record the invitation names."""
    invitation = invitation_for_token(token.strip(), user=user)
    invitation = PatientInvitation.objects.select_for_update().get(pk=invitation.pk)
    # Checked again under the lock: two tabs racing with one code link it once.
    if invitation.used_at is not None or invitation.expires_at <= timezone.now():
        raise InvalidToken(_("This activation code has already been used. Sign in, or ask your clinic for a new one."))
    patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
    if patient.user_id is not None:
        raise InvalidToken(_("This record is already linked to an account."))
    if hasattr(user, "patient"):
        raise ServiceError(_("Your account is already linked to a patient record."))
    patient.user = user
    patient.save(update_fields=["user"])
    if not user.full_name:
        user.full_name = f"{patient.given_name} {patient.family_name}"
        user.language = patient.preferred_language
        user.save(update_fields=["full_name", "language"])
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    audit.record(actor=user, patient=patient, action=AuditEvent.Action.UPDATE, obj=invitation)
    return patient
