from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: accounts, charges from claims, statements and payments"

    def ready(self) -> None:
        # The patient home asks for this app's card, the briefing for its needs and the demo for its
        # data through the portal's registries (no upward import).
        from billing import checks  # noqa: F401 - registers the deploy check
        from billing.home_card import balance_card
        from billing.notifications import register_kinds
        from billing.selectors.briefing import balance_needs, balance_needs_many
        from billing.services import charges, estimates
        from portal import briefing_inputs, briefing_needs, demo_builders, home_cards
        from portal.access import Action

        home_cards.register("billing", Action.BILLING, balance_card)
        register_kinds()
        briefing_needs.register("billing", balance_needs, many=balance_needs_many)
        # A visit booked is a change of the patient's inputs: an uninsured or self-pay patient's
        # priced visit gets its Good Faith Estimate (scheduling imports no billing).
        briefing_inputs.listen(estimates.patient_changed)
        # An import announces its patients the same way: a claim or an explanation of benefit that
        # came in builds the patient's charges right after the commit (records imports no billing).
        briefing_inputs.listen(charges.patient_changed)
        # The demo's bills, after the records (10), the conversations (20) and the visits (30).
        demo_builders.register("billing", "billing.demo.build_demo_billing", order=40)
