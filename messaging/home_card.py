"""The Messages card on the patient's home page: how many replies wait unseen (a count, no content,
so no audit: the page itself is audited as the home page)."""

from __future__ import annotations

from datetime import datetime

from messaging.selectors.patient import unread_total
from portal.access import Access
from portal.home_cards import HomeCard
from portal.models import User


def unread_replies_card(*, access: Access, actor: User, now: datetime) -> HomeCard:
    return HomeCard("messaging/patient/_home_card.html", {"unread_messages": unread_total(access)})
