"""The opt-in notice that something new is in a patient's briefing: at most one a day, by the
channels the person chose (and never in their quiet hours), through the portal's outbox, with a
signed link and no clinical content. A rebuild that found new lines asks a worker to send it
(`summaries.briefing_notice`); opening the briefing from its link is recorded as via=notice.

Who is told: the patient, if they opted in (`User.notify_briefing`); and each caregiver who opted
in for this person (`ProxyGrant.notify_briefing`, their own choice per person they help), whose
grant holds the records scope, and only of news they may see: the rebuild passes the scope and
confidential flag of each new line, so a teen's parent is never told of news that derives only from
a confidential item. A caregiver's notice keeps to their own preferences (channels, language) and
the outbox's quiet hours (the patient's reminder quiet hours are the patient's, not theirs); it
names no one: a name on a lock screen already says that this person is a patient here, and the
signed link opens that person's briefing after sign-in.

Only news the patient did not cause: what changed in the record, an open care gap, a result that
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
from portal.access import Action, active_grants, resolve
from portal.models import AuditEvent, Notice, Patient, Scope
from portal.queue import queue_task
from portal.services import outbox
from summaries.services.care_gaps import clinic_zone
from summaries.services.lines import CHANGED

PatientId = UUID | str
KIND = "briefing_new"
# The caregiver's notice: its own words (it is not their briefing) and its own key per patient.
CAREGIVER_KIND = "briefing_new_caregiver"
TASK = "summaries.briefing_notice"
SALT = "summaries.briefing-notice"
# A link older than this still opens the home page, but is not counted as coming from a notice.
MAX_AGE = timedelta(days=14)
# "What needs you" lines worth a notice (the others have their own apps' notices).
NOTABLE_NEEDS = ("care_gap_open", "result_no_follow_up")


# What a notice may be about, for a reader's filter: (proxy scope, confidential) of each new line.
News = list[tuple[str, bool]]


def _identity(line: dict[str, Any]) -> str:
    return f"{line['key']}|{line['source'].get('model')}|{line['source'].get('id')}"


def _is_notable(line: dict[str, Any]) -> bool:
    return line["section"] == CHANGED or line["kind"] in NOTABLE_NEEDS


def notable(lines: list[dict[str, Any]]) -> set[str]:
    """The identities of the stored lines a notice may be about: each from its source row."""
    return {_identity(line) for line in lines if _is_notable(line)}


def news(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> News:
    """The scope and confidential flag of each notable line new in `after` (no words, no ids: all
    a worker needs to decide who may be told)."""
    old = notable(before)
    return sorted(
        {
            (str(line["scope"]), bool(line.get("confidential")))
            for line in after
            if _is_notable(line) and _identity(line) not in old
        }
    )


def has_news(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    return bool(news(before, after))


def enqueue_after_commit(patient_id: PatientId, found: News | None = None) -> None:
    """Called by a rebuild that stored new notable lines: the worker decides whether to tell.
    Without `found` (an older caller), only the patient may be told."""
    args: tuple[Any, ...] = (str(patient_id),) if found is None else (str(patient_id), [list(n) for n in found])
    transaction.on_commit(lambda: queue_task(TASK, *args), robust=True)


def enqueue_if_news(patient_id: PatientId, *, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    """After a rebuild: ask a worker to tell whoever opted in, if `after` has news (see `news`)."""
    found = news(before, after)
    if found:
        enqueue_after_commit(patient_id, found)
    return bool(found)


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
def notify_new_lines(
    patient_id: PatientId, *, found: list[Any] | None = None, now: datetime | None = None
) -> list[int]:
    """Tell the patient, and each caregiver who may see some of `found` (the new lines' scope and
    confidential flag; None: only the patient is told), that the briefing has something new, each
    if they asked to be told, at most once a day (the clinic's day): a notice already written that
    day makes another a no-op. Returns the ids of the notices written now."""
    now = now or timezone.now()
    patient = Patient.objects.select_related("user", "home_organization").filter(pk=patient_id).first()
    if patient is None or (found is not None and not found):
        return []
    day = timezone.localdate(now, clinic_zone(patient)).isoformat()
    written: list[int] = []
    if patient.user is not None and patient.user.notify_briefing:
        written += _tell(KIND, f"{KIND}:{patient.user_id}:{day}", user=patient.user, patient=patient, now=now)
    if found is not None:
        items = [(str(scope), bool(confidential)) for scope, confidential in found]
        for grant in _caregivers(patient):
            if _may_see_any(grant.grantee, patient, items):
                key = f"{CAREGIVER_KIND}:{grant.grantee_id}:{patient.pk}:{day}"
                written += _tell(CAREGIVER_KIND, key, user=grant.grantee, patient=patient, now=now)
    return written


def _caregivers(patient: Patient) -> list[Any]:
    """The caregivers who opted in for this patient, with a grant that reads the record."""
    return list(
        active_grants()
        .filter(patient=patient, notify_briefing=True, scopes__contains=[Scope.RECORDS], grantee__isnull=False)
        .select_related("grantee")
        .order_by("pk")
    )


def _may_see_any(user: Any, patient: Patient, items: News) -> bool:
    """Whether the access policy lets this caregiver see any of the new lines (their scopes; a
    parent of a 12-17-year-old never a confidential one)."""
    access = resolve(user, patient, Action.RECORDS)
    if access is None or access.acting_as != AuditEvent.ActingAs.PROXY:
        return False
    hides = access.hides_confidential
    return any(scope in access.scopes and not (confidential and hides) for scope, confidential in items)


def _tell(kind: str, key: str, *, user: Any, patient: Patient, now: datetime) -> list[int]:
    if Notice.objects.filter(key__startswith=f"{key}:").exists():
        return []
    return outbox.enqueue(
        kind=kind,
        key=key,
        user=user,
        patient_id=patient.pk,
        link=link_path(patient_id=patient.pk, user_id=user.pk),
        now=now,
    )


def _said(link: str, *, subject: str, opening: str, sms: str) -> outbox.Words:
    body = "\n\n".join(
        [
            opening,
            _("Sign in to read it:"),
            link,
            _("You asked for this notice. You can turn it off in your account's preferences."),
        ]
    )
    return outbox.Words(subject, body, sms)


def words(notice: Notice) -> outbox.Words:
    """That something is new, and the link; never what."""
    link = links.absolute(notice.link)
    return _said(
        link,
        subject=_("Something new is in your briefing"),
        opening=_("There is something new in your briefing on the patient portal."),
        sms=_("Something new is in your patient portal briefing: %(link)s") % {"link": link},
    )


def caregiver_words(notice: Notice) -> outbox.Words:
    """That something is new for someone they help, and the link; never what, nor whose."""
    link = links.absolute(notice.link)
    return _said(
        link,
        subject=_("Something new for someone you help"),
        opening=_("There is something new in the briefing of someone you help, on the patient portal."),
        sms=_("Something new is in the briefing of someone you help on the patient portal: %(link)s") % {"link": link},
    )


def register_kind() -> None:
    outbox.register(KIND, gettext_lazy("Something new in your briefing"), render=words)
    outbox.register(
        CAREGIVER_KIND, gettext_lazy("Something new in the briefing of someone you help"), render=caregiver_words
    )
