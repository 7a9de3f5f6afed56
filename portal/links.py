"""Signed links in notifications, for every app: a payload of ids signed with the site's secret
under a purpose (the salt), stamped with its time so it runs out. Forwarded or leaked, a link
carries no PHI and opens nothing the page behind it does not check again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing


@dataclass(frozen=True)
class Signed:
    payload: Any
    expired: bool


def sign(payload: Any, *, salt: str) -> str:
    return signing.dumps(payload, salt=salt, compress=True)


def unsign(token: str, *, salt: str, max_age: timedelta) -> Signed | None:
    """The payload and whether it has run out; None if the link was not made by us for `salt`."""
    try:
        return Signed(signing.loads(token, salt=salt, max_age=max_age), expired=False)
    except signing.SignatureExpired:
        # The signature is ours, only too old: still say what it was for, so a page can explain.
        return Signed(signing.loads(token, salt=salt), expired=True)
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
