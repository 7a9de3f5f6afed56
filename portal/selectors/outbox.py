"""Reads of the outbox: a person's in-app notices and how many are unread (the writes, the
kinds' registry and the channel rules are in portal/services/outbox.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import Notice, User

Channel = Notice.Channel


def in_app(user: User) -> QuerySet[Notice]:
    """My in-app notices, newest first (the app that shows them scopes them by patient)."""
    return Notice.objects.filter(user=user, channel=Channel.IN_APP).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return Notice.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).count()
