"""Proxy grants: invite a caregiver, accept, revoke, end at the end date or at 18, renew."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import ADULT_AT, MINOR_CONFIDENTIAL_FROM, Access, active_grants, years_ago
from portal.models import AuditEvent, Patient, ProxyGrant, Scope, User
from portal.services import notify
from portal.services.errors import InvalidToken, InvalidTransition, ServiceError
from portal.services.tokens import new_token, token_hash

Status = ProxyGrant.Status


def _move(grant: ProxyGrant, to: str) -> None:
    if to not in ProxyGrant.TRANSITIONS[grant.status]:
        raise InvalidTransition(_("This access has already ended or changed, so it cannot be changed that way."))
    grant.status = to


def _clean_scopes(scopes: list[str]) -> list[str]:
    chosen = [scope for scope in Scope.values if scope in set(scopes)]
    if not chosen:
        raise ServiceError(_("Choose at least one thing they can help with."), field="scopes")
    return chosen


@transaction.atomic
def proxy_invite(
    *,
    access: Access,
    actor: User,
    email: str,
    name: str,
    relationship: str,
    scopes: list[str],
    ends_at: datetime | None = None,
    is_guardian: bool = False,
) -> tuple[ProxyGrant, str]:
    """Invite a caregiver by email. Returns the grant and the invitation token (sent, never stored)."""
    patient = access.patient
    today = timezone.localdate()
    age = patient.age_on(today)
    acting_as = access.acting_as
    if acting_as == AuditEvent.ActingAs.PROXY:
        raise ServiceError(_("Only the patient can share their access."))
    if age < MINOR_CONFIDENTIAL_FROM and acting_as != AuditEvent.ActingAs.STAFF:
        raise ServiceError(_("For a child under 12, the clinic sets up a parent's or guardian's access."))
    if ends_at is not None and ends_at <= timezone.now():
        raise ServiceError(_("The end date must be in the future."), field="ends_at")
    email = email.strip().lower()
    if patient.user is not None and patient.user.email == email:
        raise ServiceError(_("That is your own email address."), field="email")
    already = ProxyGrant.objects.filter(
        Q(grantee__email=email) | Q(invited_email=email),
        patient=patient,
        status__in=[Status.INVITED, Status.ACTIVE],
    )
    if already.exists():
        raise ServiceError(_("This person already has access or an open invitation."), field="email")
    token, hashed = new_token()
    grant = ProxyGrant.objects.create(
        patient=patient,
        invited_email=email,
        invited_name=name.strip(),
        relationship=relationship.strip(),
        scopes=_clean_scopes(scopes),
        ends_at=ends_at,
        made_on_minor=age < ADULT_AT,
        is_guardian=is_guardian,
        granted_by=actor,
        token_hash=hashed,
        invitation_expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.GRANT, obj=grant)
    _email_invitation(email, token, grant.pk)
    return grant, token


def _email_invitation(email: str, token: str, grant_id: int) -> None:
    """The caregiver's link, through the outbox: sent once the grant is committed."""
    notify.invite(email=email, kind="proxy", path=reverse("proxy_accept", kwargs={"token": token}), target_id=grant_id)


@transaction.atomic
def proxy_reinvite(*, access: Access, actor: User, grant_id: int) -> ProxyGrant:
    """Send an invitation again: a fresh single-use link and a new expiry. The old link stops working."""
    grant = ProxyGrant.objects.select_for_update().filter(patient=access.patient, pk=grant_id).first()
    if grant is None:
        raise ServiceError(_("That access was not found."))
    if grant.status == Status.EXPIRED and grant.end_reason == ProxyGrant.EndReason.INVITATION_EXPIRED:
        fresh, _token = proxy_invite(
            access=access,
            actor=actor,
            email=grant.invited_email,
            name=grant.invited_name,
            relationship=grant.relationship,
            scopes=grant.scopes,
            ends_at=grant.ends_at,
            is_guardian=grant.is_guardian,
        )
        return fresh
    if grant.status != Status.INVITED:
        raise ServiceError(_("Only an invitation that has not been accepted can be sent again."))
    token, grant.token_hash = new_token()
    grant.invitation_expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    grant.save(update_fields=["token_hash", "invitation_expires_at"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.GRANT, obj=grant)
    _email_invitation(grant.invited_email, token, grant.pk)
    return grant


def proxy_grant_for_token(token: str) -> ProxyGrant:
    """The open invitation behind a link, or a clear error saying why it cannot be used."""
    grant = ProxyGrant.objects.select_related("patient").filter(token_hash=token_hash(token)).first()
    if grant is None:
        raise InvalidToken(_("This invitation link is not valid. Ask the person who invited you to send a new one."))
    if grant.status != Status.INVITED:
        raise InvalidToken(_("This invitation has already been used or withdrawn. Ask for a new one if you need it."))
    if grant.invitation_expires_at <= timezone.now():
        raise InvalidToken(_("This invitation has expired. Ask the person who invited you to send a new one."))
    return grant


@transaction.atomic
def proxy_accept(*, token: str, user: User) -> ProxyGrant:
    grant = proxy_grant_for_token(token)
    grant = ProxyGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.patient.user_id == user.pk:
        raise ServiceError(_("You cannot accept an invitation to your own record."))
    if ProxyGrant.objects.filter(patient=grant.patient, grantee=user, status=Status.ACTIVE).exists():
        raise ServiceError(_("You already have access for this person."))
    _move(grant, Status.ACTIVE)
    grant.grantee = user
    grant.accepted_at = timezone.now()
    grant.token_hash = None  # single use
    grant.save()
    audit.record(
        actor=user,
        patient=grant.patient,
        action=AuditEvent.Action.UPDATE,
        obj=grant,
        acting_as=AuditEvent.ActingAs.PROXY,
    )
    return grant


@transaction.atomic
def proxy_decline(*, token: str, user: User) -> ProxyGrant:
    grant = proxy_grant_for_token(token)
    _move(grant, Status.DECLINED)
    grant.token_hash = None
    grant.ended_at = timezone.now()
    grant.ended_by = user
    grant.save()
    return grant


def briefing_notice_grants(user: User) -> list[ProxyGrant]:
    """The caregiver's active grants that may carry the briefing notice (those with the records
    scope: the briefing is the patient's record), each with its patient."""
    return list(active_grants().filter(grantee=user, scopes__contains=[Scope.RECORDS]).select_related("patient"))


@transaction.atomic
def proxy_set_briefing_notices(*, user: User, grant_ids: set[int]) -> int:
    """The caregiver's own choice, per person they help: a notice when that person's briefing has
    something new (on for the grants in `grant_ids`, off for the others). Only their own active
    grants with the records scope; any other id is ignored. Returns how many are on."""
    grants = active_grants().filter(grantee=user, scopes__contains=[Scope.RECORDS])
    grants.exclude(pk__in=grant_ids).update(notify_briefing=False)
    return grants.filter(pk__in=grant_ids).update(notify_briefing=True)


@transaction.atomic
def proxy_revoke(*, access: Access, actor: User, grant_id: int) -> ProxyGrant:
    """End a grant at once. The next request the caregiver makes is refused."""
    grant = ProxyGrant.objects.select_for_update().filter(patient=access.patient, pk=grant_id).first()
    if grant is None:
        raise ServiceError(_("That access was not found."))
    _move(grant, Status.REVOKED)
    grant.token_hash = None
    grant.ended_at = timezone.now()
    grant.ended_by = actor
    grant.save()
    audit.record_access(access, actor=actor, action=AuditEvent.Action.REVOKE, obj=grant)
    return grant


@transaction.atomic
def proxy_renew(*, access: Access, actor: User, grant_id: int) -> ProxyGrant:
    """An adult patient keeps a caregiver whose grant ended when they turned 18."""
    if access.acting_as != AuditEvent.ActingAs.SELF:
        raise ServiceError(_("Only the patient can renew this access."))
    old = ProxyGrant.objects.select_for_update().filter(patient=access.patient, pk=grant_id).first()
    if old is None or old.grantee is None or old.end_reason != ProxyGrant.EndReason.TURNED_18:
        raise ServiceError(_("Only access that ended at your 18th birthday can be renewed."))
    if hasattr(old, "renewal"):
        raise ServiceError(_("This access was already renewed."))
    if access.patient.age_on(timezone.localdate()) < ADULT_AT:
        raise ServiceError(_("Access can be renewed once you are 18."))
    grant = ProxyGrant.objects.create(
        patient=old.patient,
        grantee=old.grantee,
        invited_email=old.invited_email,
        invited_name=old.invited_name,
        relationship=old.relationship,
        scopes=old.scopes,
        status=Status.ACTIVE,
        granted_by=actor,
        accepted_at=timezone.now(),
        invitation_expires_at=timezone.now(),
        renewed_from=old,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.GRANT, obj=grant)
    return grant


def _end(grants: list[ProxyGrant], reason: str) -> int:
    now = timezone.now()
    for grant in grants:
        _move(grant, Status.EXPIRED)
        grant.end_reason = reason
        grant.ended_at = now
        grant.token_hash = None
        grant.save(update_fields=["status", "end_reason", "ended_at", "token_hash"])
        audit.record(
            actor=None,
            patient=grant.patient,
            action=AuditEvent.Action.REVOKE,
            obj=grant,
            acting_as=AuditEvent.ActingAs.SYSTEM,
        )
    return len(grants)


@transaction.atomic
def proxy_grants_sweep() -> dict[str, int]:
    """Mark grants that have ended. Access already stops at the moment (see access.active_grants);
    this makes the status honest on the sharing page. Safe to run twice or concurrently."""
    now = timezone.now()
    adult_born_before = years_ago(timezone.localdate(), ADULT_AT)
    locked = ProxyGrant.objects.select_for_update(skip_locked=True).select_related("patient")
    return {
        ProxyGrant.EndReason.END_DATE: _end(list(locked.filter(status=Status.ACTIVE, ends_at__lte=now)), "end_date"),
        ProxyGrant.EndReason.TURNED_18: _end(
            list(
                locked.filter(
                    status__in=[Status.ACTIVE, Status.INVITED],
                    made_on_minor=True,
                    patient__birth_date__lte=adult_born_before,
                )
            ),
            "turned_18",
        ),
        ProxyGrant.EndReason.INVITATION_EXPIRED: _end(
            list(locked.filter(status=Status.INVITED, invitation_expires_at__lte=now)), "invitation_expired"
        ),
    }


def patient_is_minor(patient: Patient) -> bool:
    return patient.age_on(timezone.localdate()) < ADULT_AT
