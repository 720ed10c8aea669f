"""The allauth glue as its own app: allauth's registry imports `integrations.oauth.provider` (the
`provider` module of every installed app) and its URLs from `integrations.oauth.urls`."""

from __future__ import annotations

from django.apps import AppConfig


class OAuthConfig(AppConfig):
    name = "integrations.oauth"
    label = "integrations_oauth"
    verbose_name = "Provider OAuth (allauth)"

    def ready(self) -> None:
        # allauth signals -> Connection rows; connected here, not as a side effect of an import.
        from integrations.oauth import receivers  # noqa: F401
