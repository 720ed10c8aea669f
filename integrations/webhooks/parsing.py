"""Which payload module parses which provider's deliveries, and the headers each provider sends.

The receiver, the processing task and `manage.py parse_webhook` all go through `parse()`, so a
payload reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from integrations.providers import PROVIDERS
from integrations.webhooks.events import WebhookEvent


@dataclass(frozen=True)
class WebhookFormat:
    provider: str
    module: ModuleType
    delivery_id_header: str  # the provider's id of one delivery, repeated on its retries

    @property
    def subscribed_events(self) -> tuple[str, ...]:
        return self.module.SUBSCRIBED_EVENTS

    @property
    def handled_events(self) -> frozenset[str]:
        return self.module.HANDLED_EVENTS

    @property
    def ping_events(self) -> frozenset[str]:
        return self.module.PING_EVENTS

    def parse(self, event_key: str, body: bytes) -> WebhookEvent:
        return self.module.parse(event_key, body)


# Every provider with projects brings its payload module and delivery id header (`Provider.projects`).
FORMATS: dict[str, WebhookFormat] = {
    provider_id: WebhookFormat(provider_id, provider.projects.webhooks, provider.projects.delivery_id_header)
    for provider_id, provider in PROVIDERS.items() if provider.projects is not None
}


def webhook_format(provider: str) -> WebhookFormat:
    try:
        return FORMATS[provider]
    except KeyError:
        raise KeyError(f"No webhook support for provider {provider!r}") from None


def parse(provider: str, event_key: str, body: bytes) -> WebhookEvent:
    return webhook_format(provider).parse(event_key, body)
