from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Summaries: the patient's home page and briefing"

    def ready(self) -> None:
        from portal import demo_builders

        # After the records (10), messaging (20) and scheduling (30): the gaps read the imported records.
        demo_builders.register("summaries.care_gaps", "summaries.demo.build_demo_care_gaps", order=40)
