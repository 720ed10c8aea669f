from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal: organizations and members"

    def ready(self) -> None:
        from portal import security_events, signals  # noqa: F401
