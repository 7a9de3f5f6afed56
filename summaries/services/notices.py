"""The opt-in notice that something new is in a patient's briefing: at most one a day, by the
channels the patient chose (and never in their quiet hours), through the portal's outbox, with a
signed link and no clinical content. A rebuild that found new lines asks a worker to send it
(`summaries.briefing_notice`); opening the briefing from its link is recorded as via=notice.

Only the patient's own account is told (a caregiver reads the briefing when they help), and only
of news the patient did not cause: what changed in the record, an open care gap, a result that
needs a follow-up. Answers and visits have their own notices from their apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import links
from portal.models import Notice, Patient
from portal.queue import queue_task
from portal.services import outbox
from summaries.services.care_gaps import clinic_zone
from summaries.services.lines import CHANGED

PatientId = UUID | str
KIND = "briefing_new"
TASK = "summaries.briefing_notice"
SALT = "summaries.briefing-notice"
# A link older than this still opens the home page, but is not counted as coming from a notice.
MAX_AGE = timedelta(days=14)
# "What needs you" lines worth a notice (the others have their own apps' notices).
NOTABLE_NEEDS = ("care_gap_open", "result_no_follow_up")


def notable(lines: list[dict[str, Any]]) -> set[str]:
    """The identities of the stored lines a notice may be about: each from its source row."""
    return {
        f"{line['key']}|{line['source'].get('model')}|{line['source'].get('id')}"
        for line in lines
        if line["section"] == CHANGED or line["kind"] in NOTABLE_NEEDS
    }


def has_news(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    return bool(notable(after) - notable(before))


def enqueue_after_commit(patient_id: PatientId) -> None:
    """Called by a rebuild that stored new notable lines: the worker decides whether to tell."""
    transaction.on_commit(lambda: queue_task(TASK, str(patient_id)), robust=True)


@dataclass(frozen=True)
class LinkTarget:
    patient_id: str
    user_id: int
    expired: bool


def link_path(*, patient_id: PatientId, user_id: int) -> str:
    token = links.sign({"p": str(patient_id), "u": user_id}, salt=SALT)
    return reverse("briefing_notice_link", kwargs={"token": token})


def read_link(token: str) -> LinkTarget | None:
    signed = links.unsign(token, salt=SALT, max_age=MAX_AGE)
    if signed is None or not isinstance(signed.payload, dict):
        return None
    try:
        return LinkTarget(str(signed.payload["p"]), int(signed.payload["u"]), signed.expired)
    except (KeyError, TypeError, ValueError):
        return None


@transaction.atomic
def notify_new_lines(patient_id: PatientId, *, now: datetime | None = None) -> list[int]:
    """Tell the patient their briefing has something new, if they asked to be told, at most once
    a day (the clinic's day): the outbox's key makes a second notice of the day a no-op. Returns
    the ids of the notices written now."""
    now = now or timezone.now()
    patient = Patient.objects.select_related("user", "home_organization").filter(pk=patient_id).first()
    if patient is None or patient.user is None or not patient.user.notify_briefing:
        return []
    day = timezone.localdate(now, clinic_zone(patient)).isoformat()
    key = f"{KIND}:{patient.user_id}:{day}"
    if Notice.objects.filter(key__startswith=f"{key}:").exists():
        return []
    return outbox.enqueue(
        kind=KIND,
        key=key,
        user=patient.user,
        patient_id=patient.pk,
        link=link_path(patient_id=patient.pk, user_id=patient.user_id),  # type: ignore[arg-type]
        now=now,
    )


def words(notice: Notice) -> outbox.Words:
    """That something is new, and the link; never what."""
    link = links.absolute(notice.link)
    body = "\n\n".join(
        [
            _("There is something new in your briefing on the patient portal."),
            _("Sign in to read it:"),
            link,
            _("You asked for this notice. You can turn it off in your account's preferences."),
        ]
    )
    sms = _("Something new is in your patient portal briefing: %(link)s") % {"link": link}
    return outbox.Words(_("Something new is in your briefing"), body, sms)


def register_kind() -> None:
    outbox.register(KIND, gettext_lazy("Something new in your briefing"), render=words)
