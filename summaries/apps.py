from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Summaries: the patient's home page and briefing"

    def ready(self) -> None:
        from portal import briefing_inputs
        from summaries.services import needs, refresh

        # Any app's change of a briefing input (after its commit) marks the briefing stale.
        briefing_inputs.listen(refresh.mark_stale)
        # "What needs you": the briefing's own providers, next to those other apps register.
        needs.register_builtin()
