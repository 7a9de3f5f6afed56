from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records from every source system"

    def ready(self) -> None:
        # The patient home asks for this app's card through the portal's registry (no upward import).
        from portal import demo_builders, home_cards
        from portal.access import Action
        from records.home_card import newest_results_card

        home_cards.register("record", Action.RECORDS, newest_results_card)
        # The demo builds the records first (10), then messaging (20), then scheduling (30).
        demo_builders.register("records", "records.demo.build_demo_records", order=10)
