"""Protocol resolution by role: who may close a conversation with an outcome, and who must pass it on.

Anyone who answers messages may reply, write an internal note, pass a conversation to a colleague
or escalate it to a physician. Closing it (resolving it) is the clinical decision, so it follows
the role's protocol:

| role              | may close these categories                   | urgent (safety-screen) threads       |
| ----------------- | -------------------------------------------- | ------------------------------------ |
| physician         | every category                               | with any outcome                     |
| nurse             | every category (nurse triage protocols)      | only as "sent to emergency care" or  |
|                   |                                              | "needs a visit"                      |
| medical assistant | refills, and administrative: appointment,    | never: pass to nurse triage          |
|                   | billing, form or letter, other               |                                      |
| front desk        | administrative only                          | never                                |
| billing           | billing only                                 | never                                |

Anything else must be escalated to a physician or passed to a colleague who may resolve it.
Routing reads the same table: a safety-flagged thread is only ever owned by a role that may close
urgent threads (messaging.services.routing.URGENT_ROLES), and cannot be passed to or claimed by
any other.
"Refill handled" only closes a refill request. `services.threads.thread_close` enforces this
table; the staff thread page explains it with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from messaging.models import Category, Thread, Urgency
from portal.models import StaffRole

Outcome = Thread.Outcome

ADMINISTRATIVE = frozenset({Category.APPOINTMENT, Category.BILLING, Category.FORM_LETTER, Category.OTHER})
EVERY_CATEGORY = frozenset(Category.values)
EVERY_OUTCOME = frozenset(Outcome.values)


@dataclass(frozen=True)
class Protocol:
    """What one role may resolve."""

    categories: frozenset[str]
    # Outcomes allowed on an urgent thread (empty: the role may not close urgent threads).
    urgent_outcomes: frozenset[str]
    # One sentence for the thread page, in the clinic's words.
    summary: Promise


PROTOCOLS: dict[str, Protocol] = {
    StaffRole.PHYSICIAN: Protocol(
        EVERY_CATEGORY, EVERY_OUTCOME, _("Physicians may close any message, with any outcome.")
    ),
    StaffRole.NURSE: Protocol(
        EVERY_CATEGORY,
        frozenset({Outcome.EMERGENCY, Outcome.NEEDS_VISIT}),
        _(
            "Nurses may close any message under the triage protocols. An urgent message may only be closed "
            "as sent to emergency care or needing a visit: otherwise escalate it to a physician."
        ),
    ),
    StaffRole.MEDICAL_ASSISTANT: Protocol(
        ADMINISTRATIVE | {Category.REFILL},
        frozenset(),
        _(
            "Medical assistants may close refill requests and administrative messages (appointments, billing, "
            "forms and letters, other). Pass anything clinical or urgent to nurse triage, or escalate it."
        ),
    ),
    StaffRole.FRONT_DESK: Protocol(
        ADMINISTRATIVE,
        frozenset(),
        _(
            "Front desk may close administrative messages only (appointments, billing, forms and letters, "
            "other). Escalate anything clinical or urgent, or pass it to nurse triage."
        ),
    ),
    StaffRole.BILLING: Protocol(
        frozenset({Category.BILLING}),
        frozenset(),
        _("Billing staff may close billing questions only. Pass anything else to the team that answers it."),
    ),
}


def refusal(roles: Iterable[str], *, category: str, urgency: str, outcome: str) -> str | None:
    """Why none of `roles` may close a thread of this category and urgency with `outcome`, in
    words fit for the page; None when one of them may."""
    if outcome == Outcome.REFILL_HANDLED and category != Category.REFILL:
        return str(_("\u201cRefill handled\u201d only closes a refill request. Choose another outcome."))
    protocols = [PROTOCOLS[role] for role in roles if role in PROTOCOLS]
    if not protocols:
        return str(_("Your role does not close messages. Pass this one to a colleague."))
    for protocol in protocols:
        if category in protocol.categories and (urgency != Urgency.URGENT or outcome in protocol.urgent_outcomes):
            return None
    if any(category in protocol.categories for protocol in protocols):
        allowed = sorted({choice for protocol in protocols for choice in protocol.urgent_outcomes})
        if not allowed:
            return str(_("This message is urgent: your role can't close it. Escalate it to a physician."))
        return str(
            _("This message is urgent: your role may close it only as %(outcomes)s. Otherwise escalate it.")
            % {"outcomes": ", ".join(f"\u201c{Outcome(o).label}\u201d" for o in allowed)}
        )
    return str(
        _("Your role can't close a message about \u201c%(category)s\u201d: escalate it or pass it to nurse triage.")
        % {"category": Category(category).label}
    )


def summaries(roles: Iterable[str]) -> list[Promise]:
    """The protocol sentences for these roles (for the page), each once, in table order."""
    wanted = set(roles)
    return [protocol.summary for role, protocol in PROTOCOLS.items() if role in wanted]


def allowed_outcomes(roles: Iterable[str], *, category: str, urgency: str) -> list[str]:
    """The outcomes these roles may close a thread of this category and urgency with (for the page)."""
    roles = list(roles)
    return [
        outcome
        for outcome in Outcome.values
        if refusal(roles, category=category, urgency=urgency, outcome=outcome) is None
    ]
