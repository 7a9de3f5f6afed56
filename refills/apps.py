from django.apps import AppConfig


class RefillsConfig(AppConfig):
    name = "refills"
    verbose_name = "Refills: medicines' refill and renewal requests, protocols, pharmacies"

    def ready(self) -> None:
        # The portal's registries ask this app for its card, needs, notices and demo (no upward import).
        from portal import briefing_needs, demo_builders, home_cards, previsit_items
        from portal.access import Action
        from refills.home_card import refills_card
        from refills.needs import refill_needs, refill_needs_many
        from refills.notifications import register_kinds
        from refills.previsit import open_refill_requests

        home_cards.register("medications", Action.REFILLS, refills_card)
        briefing_needs.register("refills", refill_needs, many=refill_needs_many)
        previsit_items.register("refills", open_refill_requests)
        # After the records (10), the conversations (20) and the visits (30).
        demo_builders.register("refills", "refills.demo.build_demo_refills", order=40)
        register_kinds()
