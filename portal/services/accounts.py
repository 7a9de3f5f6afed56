"""A person's own account: language, notification preferences, signed-in sessions."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.context import Client
from portal.models import User, UserSession
from portal.services.errors import ServiceError


@transaction.atomic
def account_update_preferences(
    *,
    user: User,
    language: str,
    notify_by_email: bool,
    notify_by_sms: bool,
    phone: str,
    notify_briefing: bool | None = None,
) -> User:
    """Language and how the person hears from the portal; `notify_briefing` (None: unchanged) is
    the opt-in to a short notice when their briefing has something new."""
    phone = phone.strip()
    if notify_by_sms and not phone:
        raise ServiceError(_("Add a mobile number to get text messages."), field="phone")
    user.language = language
    user.notify_by_email = notify_by_email
    user.notify_by_sms = notify_by_sms
    user.phone = phone
    if notify_briefing is not None:
        user.notify_briefing = notify_briefing
    user.save(update_fields=["language", "notify_by_email", "notify_by_sms", "phone", "notify_briefing"])
    patient = getattr(user, "patient", None)
    if patient is not None and patient.preferred_language != language:
        patient.preferred_language = language
        patient.save(update_fields=["preferred_language"])
    return user


def session_touch(*, user: User, session_key: str, client: Client) -> None:
    """Record that this browser is signed in (called at most once a minute per session)."""
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "last_seen_at": now},
        create_defaults={
            "user": user,
            "ip": client.ip,
            "user_agent": client.user_agent[:300],
            "created_at": now,
            "last_seen_at": now,
        },
    )


@transaction.atomic
def session_end(*, user: User, session_id: int) -> None:
    """Sign a browser out: its session is deleted, so its next request is anonymous."""
    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is None:
        raise ServiceError(_("That session has already ended."))
    SessionStore(session_key=session.session_key).delete()
    session.delete()


def sessions_clear_expired() -> int:
    """Drop expired sessions and their registry rows (the beat task calls this hourly)."""
    from django.contrib.sessions.models import Session

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    live = Session.objects.values("session_key")
    deleted, _rows = UserSession.objects.exclude(session_key__in=live).delete()
    return deleted
