"""summaries: the top of the portal. It composes what the other apps offer into the patient's home
page (and, with its own issue, the briefing).

Nothing imports summaries: it stands above portal, records, messaging and scheduling and may import
any of them, so the layers keep one direction. The home page's cards come through the portal's
registry (portal/home_cards.py), which has no app imports: each app registers its card there in its
AppConfig.ready, and summaries only reads the registry. Had the registry lived here, every app that
offers a card would import summaries, and summaries (which will read those apps for the briefing)
would close a cycle."""
