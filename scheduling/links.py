"""Signed links in reminders and waitlist offers: confirm or cancel a visit, accept an offer.

A link carries the purpose and the row's id, signed with the site's secret (django.core.signing)
and stamped with its time, so it cannot be forged or turned to another purpose and it runs out.
The pages that open them arrive with the scheduling pages, at the paths below.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.utils.translation import gettext as _

from portal.links import absolute
from portal.services.errors import InvalidToken
from portal.services.tokens import token_hash

SALT = "scheduling.link"
CONFIRM = "confirm"
CANCEL = "cancel"
ACCEPT = "accept"
# Long enough for a reminder sent a week before a visit booked months ahead.
MAX_AGE_SECONDS = 400 * 24 * 3600
PATHS = {
    CONFIRM: "/appointments/link/{token}/confirm/",
    CANCEL: "/appointments/link/{token}/cancel/",
    ACCEPT: "/appointments/offers/{token}/accept/",
}


def make_token(purpose: str, object_id: int) -> str:
    # A random part makes every link different, so a row can insist on the one it sent.
    return signing.dumps([purpose, object_id, secrets.token_urlsafe(6)], salt=SALT)


def read_token(token: str, purpose: str, max_age: int = MAX_AGE_SECONDS) -> int:
    """The id the link was made for, or InvalidToken if it is forged, for another purpose or too old."""
    try:
        found_purpose, object_id, _nonce = signing.loads(token, salt=SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidToken(_("This link is not valid or has run out.")) from error
    if found_purpose != purpose or not isinstance(object_id, int):
        raise InvalidToken(_("This link is not valid or has run out."))
    return object_id


def path(purpose: str, token: str) -> str:
    return PATHS[purpose].format(token=token)


def link(purpose: str, token: str) -> str:
    return absolute(path(purpose, token))


__all__ = ["ACCEPT", "CANCEL", "CONFIRM", "link", "make_token", "read_token", "token_hash"]
