"""The Health record card on the patient's home page: the newest released results, each once however
many sources sent it (two queries: them and the audit, which is confidential when a confidential
result was shown)."""

from __future__ import annotations

from datetime import datetime

from portal import audit
from portal.access import Access
from portal.home_cards import HomeCard
from portal.models import AuditEvent, User
from records.selectors.patient import newest_results, visible_items

# Enough to see what is new without turning the home page into the results page.
NEWEST = 3


def newest_results_card(*, access: Access, actor: User, now: datetime) -> HomeCard:
    results = newest_results(visible_items(access), NEWEST)
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.VIEW,
        object_type="records.HomeCard",
        confidential=any(result.confidential for result in results),
    )
    return HomeCard("records/_home_card.html", {"results": results, "patient": access.patient})
