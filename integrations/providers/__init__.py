"""The provider registry: one package per provider, each exporting one `Provider` object.

Adding a provider is a package `integrations/providers/<name>/` and one line below.
"""

from __future__ import annotations

from integrations.providers import azure_devops, bitbucket_cloud, bitbucket_server, github, gitlab
from integrations.providers.base import ProviderSpec, Scope
from integrations.providers.protocol import NotSupportedYet, Provider

PROVIDERS: dict[str, Provider] = {
    p.spec.id: p
    for p in (
        github.PROVIDER,
        gitlab.PROVIDER,
        bitbucket_cloud.PROVIDER,
        bitbucket_server.PROVIDER,
        azure_devops.PROVIDER,
    )
}
PROVIDER_CHOICES = [(p.spec.id, p.spec.name) for p in PROVIDERS.values()]
# The providers users connect accounts to by OAuth (allauth sub-providers, the Connections page).
OAUTH_PROVIDER_IDS = tuple(p.spec.id for p in PROVIDERS.values() if p.oauth_connect)
# The providers projects work with (repository picker, webhooks).
PROJECT_PROVIDER_IDS = tuple(p.spec.id for p in PROVIDERS.values() if p.projects is not None)
# The providers whose pasted context URLs the portal resolves ("New environment").
CONTEXT_PROVIDER_IDS = tuple(p.spec.id for p in PROVIDERS.values() if p.context_reader is not None)


def get_provider(provider_id: str) -> Provider:
    try:
        return PROVIDERS[provider_id]
    except KeyError:
        raise KeyError(f"Unknown provider {provider_id!r}") from None


__all__ = [
    "CONTEXT_PROVIDER_IDS",
    "OAUTH_PROVIDER_IDS",
    "PROJECT_PROVIDER_IDS",
    "PROVIDERS",
    "PROVIDER_CHOICES",
    "NotSupportedYet",
    "Provider",
    "ProviderSpec",
    "Scope",
    "get_provider",
]
