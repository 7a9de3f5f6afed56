from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Summaries: the patient's home page and briefing"

    def ready(self) -> None:
        from portal import briefing_inputs, demo_builders, visit_links
        from summaries.selectors import staff
        from summaries.services import needs, notices, previsit, refresh

        # After the records (10), messaging (20) and scheduling (30): the gaps read the imported records.
        demo_builders.register("summaries.care_gaps", "summaries.demo.build_demo_care_gaps", order=40)
        # Any app's change of a briefing input (after its commit) marks the briefing stale.
        briefing_inputs.listen(refresh.mark_stale)
        # ... and the pre-visit briefings of their upcoming visits (a visit booked is such a change).
        briefing_inputs.listen(previsit.patient_changed)
        # The staff schedule links each visit to its pre-visit briefing (scheduling imports no summaries).
        visit_links.register("summaries.previsit", staff.previsit_links)
        # "What needs you": the briefing's own providers, next to those other apps register.
        needs.register_builtin()
        # The opt-in notice that the briefing has something new (through the portal's outbox).
        notices.register_kind()
