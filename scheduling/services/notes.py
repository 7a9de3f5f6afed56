"""A patient's own words sent with a scheduling change: the note of a visit request, of a late
cancellation or change (a request for the clinic), or of one done online in time.

The words pass messaging's safety screen before anything is written: `safety.Unconfirmed` (with
the emergency guidance) until the sender confirms every finding. Confirmed, they go to a nurse or
physician at once in an urgent thread of their own (messaging's `safety_thread_open`): a request's
own conversation sits in the scheduling or front desk pool, and a change done online in time has
no conversation at all, so neither would put chest pain in front of a clinician today.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from messaging import safety
from messaging.services import threads
from portal.access import Access
from portal.models import User
from portal.services.errors import ServiceError
from scheduling.models import Appointment, AppointmentRequest, VisitType
from scheduling.services.common import when

NOTE_MAX = 2000
Kind = AppointmentRequest.Kind


@dataclass(frozen=True)
class Note:
    """The words as kept (trimmed), with the findings the sender confirmed (empty: none)."""

    text: str
    flags: list[str]


def note_screened(note: str, *, confirmed_flags: Collection[str] = ()) -> Note:
    """The note, trimmed and within its limit, once its red-flag findings are confirmed:
    `ServiceError` (field "note") when too long, `safety.Unconfirmed` when not confirmed."""
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise ServiceError(_("Please shorten this to %(limit)s characters.") % {"limit": NOTE_MAX}, field="note")
    return Note(text, safety.require_confirmed(text, confirmed=confirmed_flags))


def _context(kind: str, visit_type: VisitType, appointment: Appointment | None) -> str:
    """What the words came with, for the nurse who reads them."""
    if kind == Kind.BOOK or appointment is None:
        return _("Written with a request for a visit (%(visit)s):") % {"visit": visit_type.label}
    values = {"visit": visit_type.label, "when": when(appointment)}
    if kind == Kind.CANCEL:
        return _("Written with a cancellation of the visit (%(visit)s) on %(when)s:") % values
    return _("Written with a change of the visit (%(visit)s) on %(when)s:") % values


def note_escalate(
    access: Access,
    actor: User | None,
    *,
    note: Note,
    kind: str,
    visit_type: VisitType,
    appointment: Appointment | None,
    about: str,
    now: datetime,
) -> None:
    """Confirmed findings in `note`: open the urgent thread that puts the words in front of nurse
    triage (in the caller's transaction). `about` names what they came with ("request-12",
    "visit-34"); with the words' digest it keys the thread, so the same words sent twice open one
    thread and new words on the same request another. No findings: nothing to do."""
    if not note.flags:
        return
    sender = actor or access.patient.user
    if sender is None:  # only an emailed link acts without a user, and a link carries no words
        raise ValueError("words with red flags need a sender")
    digest = hashlib.sha256(note.text.encode()).hexdigest()[:16]
    threads.safety_thread_open(
        access=access,
        actor=sender,
        subject=_("Appointment note mentions signs of an emergency"),
        body=f"{_context(kind, visit_type, appointment)}\n\n{note.text}",
        flags=note.flags,
        idempotency_key=f"scheduling-note-{about}-{digest}",
        now=now,
    )
