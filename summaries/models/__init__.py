"""The summaries app's models, one module per domain noun (imports stay `from summaries.models import X`)."""

from summaries.models.briefing import Briefing, BriefingOpen
from summaries.models.care_gaps import CareGap, CareGapRule
from summaries.models.previsit import PrevisitBriefing
from summaries.models.welcome import Welcome

__all__ = ["Briefing", "BriefingOpen", "CareGap", "CareGapRule", "PrevisitBriefing", "Welcome"]
