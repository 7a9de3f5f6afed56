from summaries.models.briefing import Briefing, BriefingOpen

__all__ = ["Briefing", "BriefingOpen"]
