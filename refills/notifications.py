"""What the patient hears of a refill request: only that there is an update, with a link to the
request page (sign-in required). Never the medicine, the decision or anything clinical. The
portal's outbox sends it by the channels the patient chose, outside quiet hours, in their
language, and asks this module for the words when it sends."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Notice, Patient
from portal.services import outbox


class Kind(models.TextChoices):
    UPDATE = "refill_update", gettext_lazy("Refill request update")


def update_words(notice: Notice) -> outbox.Words:
    return outbox.Words(
        subject=_("There is an update on your refill request"),
        body=_("There is an update on your refill request. Sign in to see it: %(link)s") % {"link": notice.link},
        sms=_("Update on your refill request: %(link)s") % {"link": notice.link},
    )


def register_kinds() -> None:
    outbox.register(Kind.UPDATE, Kind.UPDATE.label, render=update_words)


def request_updated(*, patient: Patient, request_id: int, step: str, link: str) -> list[int]:
    """One notice per step of one request (a retry of the same step writes nothing more)."""
    return outbox.enqueue(
        kind=Kind.UPDATE,
        key=f"refill:{request_id}:{step}",
        user=patient.user,
        email=patient.email if patient.user is None else "",
        patient_id=patient.pk,
        target_id=request_id,
        link=link,
        language=patient.preferred_language,
    )
