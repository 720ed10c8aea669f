"""The provider registry: one module per provider, the same identifiers everywhere."""

from __future__ import annotations

from integrations.providers import azure_devops, bitbucket_cloud, bitbucket_server, github, gitlab
from integrations.providers.base import ProviderSpec, Scope

PROVIDERS: dict[str, ProviderSpec] = {
    m.PROVIDER.id: m.PROVIDER for m in (github, gitlab, bitbucket_cloud, bitbucket_server, azure_devops)
}
PROVIDER_CHOICES = [(p.id, p.name) for p in PROVIDERS.values()]


def get_provider(provider_id: str) -> ProviderSpec:
    try:
        return PROVIDERS[provider_id]
    except KeyError:
        raise KeyError(f"Unknown provider {provider_id!r}") from None


__all__ = ["PROVIDERS", "PROVIDER_CHOICES", "ProviderSpec", "Scope", "get_provider"]
