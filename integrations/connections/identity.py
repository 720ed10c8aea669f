"""Who a token belongs to and what it may do, asked of the integration's provider object."""

from __future__ import annotations

from collections.abc import Iterable

from django.views.decorators.debug import sensitive_variables

from integrations.models import ScmIntegration
from integrations.providers.http import BearerToken
from integrations.providers.protocol import Identity

__all__ = ["Identity", "fetch_identity", "missing_scopes"]


def missing_scopes(integration: ScmIntegration, granted: Iterable[str]) -> list[str]:
    """The integration's required scopes that `granted` does not cover, given the provider's implications."""
    have = integration.scm_provider.effective_scopes(granted)
    return [s for s in integration.spec.required_scopes() if s not in have]


# No names: the token also travels through the provider client's frames below (its request headers).
@sensitive_variables()
def fetch_identity(integration: ScmIntegration, access_token: str, token_scopes: Iterable[str] = (), *,
                   author_email: bool = True) -> Identity:
    """Raises the typed provider errors of `providers.http` (Unauthorized, InsufficientScope, ...), and
    `NotSupportedYet` for a provider whose package has no API client yet."""
    return integration.scm_provider.verify_credential(host=integration.host, credential=BearerToken(access_token),
                                                      token_scopes=token_scopes, author_email=author_email)
