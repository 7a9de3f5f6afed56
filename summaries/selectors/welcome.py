"""What the first visit's welcome shows, on the patient's own data: what their briefing gathered
and from where, who would answer a message written now and by when, what they can book online, and
the parts of the portal other apps have brought (refills, billing) once they are here. Reads only;
the briefing's own read is audited by its selector, the rest names no clinical item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from messaging.models import Category, Urgency
from messaging.services.routing import NoTimeToAnswer, plan_thread
from portal import home_cards
from portal.access import Access, Action, resolve
from portal.forms.account import PreferencesForm
from portal.models import User
from portal.views.patient import SECTIONS
from scheduling.selectors import patient as scheduling_selectors
from summaries.selectors.patient import ShownBriefing

# At most this many visit types are named.
VISIT_TYPES_SHOWN = 3


@dataclass
class Tour:
    new_count: int
    needs_count: int
    sources: list[str]
    answerer: str = ""  # a named person, or "" for the care team
    answer_by: datetime | None = None
    may_message: bool = False
    bookable: list[str] = field(default_factory=list)
    may_book: bool = False
    more: list[dict[str, Any]] = field(default_factory=list)
    preferences: PreferencesForm | None = None


def _message_promise(access: Access, now: datetime) -> tuple[str, datetime | None]:
    """Who would answer a routine message written now, and by when (the same routing and clock as
    a real one; nothing is written)."""
    try:
        plan = plan_thread(
            organization=access.patient.home_organization,
            patient=access.patient,
            category=Category.OTHER,
            urgency=Urgency.NORMAL,
            now=now,
        )
    except NoTimeToAnswer:
        return "", None
    return (plan.owner.signature if plan.owner is not None else ""), plan.first_response_due_at


def _bookable(actor: User, access: Access, now: datetime) -> list[str]:
    """The visit types the patient may book online (not those their clinic books by phone)."""
    booking = resolve(actor, access.patient, Action.SCHEDULING)
    if booking is None:
        return []
    names = [
        visit_type.label
        for visit_type, eligibility in scheduling_selectors.visit_types(access=booking, now=now)
        if eligibility is None or eligibility.may_book
    ]
    return names[:VISIT_TYPES_SHOWN]


def tour(*, access: Access, actor: User, briefing: ShownBriefing, now: datetime) -> Tour:
    lines = briefing.changed + briefing.needs + briefing.next
    shown = Tour(
        new_count=len(briefing.changed),
        needs_count=len(briefing.needs),
        sources=sorted({name for line in lines for name in line.organizations}),
    )
    if Action.MESSAGING in access.scopes:
        shown.may_message = True
        shown.answerer, shown.answer_by = _message_promise(access, now)
    if Action.SCHEDULING in access.scopes:
        shown.may_book = True
        shown.bookable = _bookable(actor, access, now)
    # Refills and billing arrive with their apps: named only once their pages are live.
    shown.more = [
        {"slug": slug, "title": title, "text": text}
        for slug, (action, title, text) in SECTIONS.items()
        if slug in ("medications", "billing") and action in access.scopes and home_cards.is_live(slug)
    ]
    shown.preferences = PreferencesForm(
        initial={
            "language": actor.language,
            "notify_by_email": actor.notify_by_email,
            "notify_by_sms": actor.notify_by_sms,
            "phone": actor.phone,
            "notify_briefing": actor.notify_briefing,
        },
        auto_id="welcome_%s",
    )
    return shown
