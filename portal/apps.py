from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal: people, access and audit"

    def ready(self) -> None:
        # Invitations and security notices go through the outbox like every app's notices.
        from portal.services.notify import register_kinds

        register_kinds()
