"""Reads of a signed-in person's own account (any audience): their sessions and the access they hold."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.access import active_grants
from portal.models import ProxyGrant, User, UserSession


def grants_held_by(user: User) -> QuerySet[ProxyGrant]:
    """The access a caregiver holds, for their own account page (their data, not the patient's)."""
    return active_grants().filter(grantee=user).select_related("patient")


def sessions_of(user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-last_seen_at")
