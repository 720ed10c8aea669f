from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal: organizations and members"

    def ready(self) -> None:
        from portal import signals  # noqa: F401
