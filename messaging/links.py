"""Signed links in notification emails and texts, and the portal paths they lead to.

A link is bound to one recipient (user id) and one thread and expires: forwarded or leaked, it
opens nothing for anyone else, and it carries no PHI (ids inside a signature only). Signed by
the portal's link builder (portal.links).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse

from portal import links

SALT = "messaging.notice-link"
MAX_AGE = timedelta(days=14)


@dataclass(frozen=True)
class LinkTarget:
    user_id: int
    thread_id: int
    expired: bool


def link_token(*, user_id: int, thread_id: int) -> str:
    return links.sign({"u": user_id, "t": thread_id}, salt=SALT)


def link_path(*, user_id: int, thread_id: int) -> str:
    return reverse("messaging_notice_link", kwargs={"token": link_token(user_id=user_id, thread_id=thread_id)})


def read_link(token: str) -> LinkTarget | None:
    """Whom and what the link is for, and whether it has expired; None if it was not made by us."""
    signed = links.unsign(token, salt=SALT, max_age=MAX_AGE)
    if signed is None:
        return None
    try:
        return LinkTarget(user_id=int(signed.payload["u"]), thread_id=int(signed.payload["t"]), expired=signed.expired)
    except (KeyError, TypeError, ValueError):
        return None


# Where the links lead: the patient's and staff's thread pages and lists.
def patient_thread_path(patient_id: object, thread_id: int) -> str:
    return reverse("messages_thread", kwargs={"patient_id": patient_id, "thread_id": thread_id})


def patient_threads_path(patient_id: object) -> str:
    return reverse("messages_home", kwargs={"patient_id": patient_id})


def staff_thread_path(thread_id: int) -> str:
    return reverse("staff_thread", kwargs={"thread_id": thread_id})


def staff_inbox_path() -> str:
    return reverse("staff_messages")
