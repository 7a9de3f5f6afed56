"""A reader opens the briefing: what they may see of it (audited), and a row saying they opened
it, from a notice's link or on their own (the insights work measures unprompted returns)."""

from __future__ import annotations

from portal.access import Access
from portal.models import User
from summaries.models import BriefingOpen
from summaries.selectors.patient import ShownBriefing, briefing_for
from summaries.services import refresh


def open_briefing(
    *, access: Access, actor: User, page: str, via: str = "", language: str | None = None
) -> ShownBriefing:
    """The briefing for this reader; the patient side's opening recorded (staff reading a
    patient's home are not the patient coming back)."""
    # Two independent appends (the read's audit event, the opening): no transaction of their own.
    shown = briefing_for(access=access, actor=actor, language=language)
    if not shown.exists:
        # Nothing built yet (a patient from before briefings, a lost task): ask a worker now; the
        # page says "being prepared" and polls until it is there.
        refresh.mark_stale(access.patient.pk)
    if access.is_patient_side:
        BriefingOpen.objects.create(
            patient=access.patient,
            user=actor,
            acting_as=access.acting_as,
            via=BriefingOpen.Via.NOTICE if via == BriefingOpen.Via.NOTICE else BriefingOpen.Via.SELF,
            page=page,
            version=shown.version,
        )
    return shown
