"""What the patient hears of a refill request: only that there is an update, with a signed link
(portal.links) that leads, after sign-in, to the request page (which checks access again). Never
the medicine, the decision or anything clinical. The portal's outbox sends it by the channels the
patient chose, outside quiet hours, in their language, and asks this module for the words.

The patient hears of every step they did not take themselves (HEARD): a pharmacy's request for
them, review starting, each decision, the prescription reaching the pharmacy, and a caregiver's
cancellation. One notice per
step of one request: a step repeated writes nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import links
from portal.models import Notice, Patient
from portal.services import outbox

SALT = "refills.notice-link"
MAX_AGE = timedelta(days=30)
HEARD = frozenset(
    {"pharmacy_asked", "in_review", "approved", "approved_changed", "denied", "needs_visit", "sent", "cancelled"}
)


class Kind(models.TextChoices):
    UPDATE = "refill_update", gettext_lazy("Refill request update")


@dataclass(frozen=True)
class LinkTarget:
    user_id: int | None
    request_id: int
    expired: bool


def link_path(*, user_id: int | None, request_id: int) -> str:
    token = links.sign({"u": user_id, "r": request_id}, salt=SALT)
    return reverse("refills_notice_link", kwargs={"token": token})


def read_link(token: str) -> LinkTarget | None:
    signed = links.unsign(token, salt=SALT, max_age=MAX_AGE)
    if signed is None:
        return None
    try:
        user_id = signed.payload["u"]
        return LinkTarget(
            user_id=None if user_id is None else int(user_id),
            request_id=int(signed.payload["r"]),
            expired=signed.expired,
        )
    except (KeyError, TypeError, ValueError):
        return None


def update_words(notice: Notice) -> outbox.Words:
    link = links.absolute(notice.link)
    return outbox.Words(
        subject=_("There is an update on your refill request"),
        body=_("There is an update on your refill request. Sign in to see it: %(link)s") % {"link": link},
        sms=_("Update on your refill request: %(link)s") % {"link": link},
    )


def register_kinds() -> None:
    outbox.register(Kind.UPDATE, Kind.UPDATE.label, render=update_words)


def request_updated(*, patient: Patient, request_id: int, step: str) -> list[int]:
    """Tell the patient that request `request_id` moved to `step` (one of HEARD)."""
    if step not in HEARD:
        raise ValueError(f"the patient does not hear of the step {step!r}")
    return outbox.enqueue(
        kind=Kind.UPDATE,
        key=f"refill:{request_id}:{step}",
        user=patient.user,
        email=patient.email if patient.user is None else "",
        patient_id=patient.pk,
        target_id=request_id,
        link=link_path(user_id=patient.user_id, request_id=request_id),
        language=patient.preferred_language,
    )
