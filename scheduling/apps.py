from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling: visit types, availability, appointments, waitlist and reminders"

    def ready(self) -> None:
        # The patient home asks for this app's card through the portal's registry (no upward import).
        from portal import demo_builders, home_cards
        from portal.access import Action
        from scheduling.home_card import next_visit_card
        from scheduling.notifications import register_kinds

        home_cards.register("appointments", Action.SCHEDULING, next_visit_card)
        # The demo's visits, after the records (10) and the conversations (20).
        demo_builders.register("scheduling", "scheduling.demo.build_demo_scheduling", order=30)
        # Reminders and offers go through the portal's outbox, which asks this app for their words.
        register_kinds()
