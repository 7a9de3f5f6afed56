from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging: threads, pools, routing and answer times"

    def ready(self) -> None:
        # The patient home asks for this app's card through the portal's registry (no upward import).
        from messaging.home_card import unread_replies_card
        from messaging.notifications import register_kinds
        from portal import demo_builders, home_cards
        from portal.access import Action

        home_cards.register("messages", Action.MESSAGING, unread_replies_card)
        # The demo's conversations, after the records (10) and before the visits (30).
        demo_builders.register("messaging", "messaging.demo.build_demo_messaging", order=20)
        # Its notices go through the portal's outbox, which asks it for their words.
        register_kinds()
