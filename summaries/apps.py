from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Summaries: the patient's home page and briefing"

    def ready(self) -> None:
        from portal import briefing_inputs, demo_builders
        from summaries.services import needs, notices, refresh

        # After the records (10), messaging (20) and scheduling (30): the gaps read the imported records.
        demo_builders.register("summaries.care_gaps", "summaries.demo.build_demo_care_gaps", order=40)
        # Any app's change of a briefing input (after its commit) marks the briefing stale.
        briefing_inputs.listen(refresh.mark_stale)
        # "What needs you": the briefing's own providers, next to those other apps register.
        needs.register_builtin()
        # The opt-in notice that the briefing has something new (through the portal's outbox).
        notices.register_kind()
