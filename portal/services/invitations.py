"""Patient activation: the clinic invites a patient to link their own login to their record."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, Patient, PatientInvitation, User
from portal.services import notify
from portal.services.errors import InvalidToken, ServiceError
from portal.services.tokens import new_token, token_hash


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


def invitation_for_token(token: str) -> PatientInvitation:
    invitation = PatientInvitation.objects.select_related("patient").filter(token_hash=token_hash(token)).first()
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
    invitation = invitation_for_token(token.strip())
    invitation = PatientInvitation.objects.select_for_update().get(pk=invitation.pk)
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
