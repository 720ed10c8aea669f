"""Azure DevOps' errors classified into the typed errors: 401 (and the 203 sign-in page), 403, 429, 5xx."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import PROVIDERS
from integrations.providers.azure_devops.errors import raise_for_response
from integrations.providers.http import (
    BasicCredentials,
    BearerToken,
    InsufficientScope,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)

PROVIDER = PROVIDERS["azure-devops"]
SCOPES = ["vso.profile", "vso.code_write"]


def test_errors_over_the_wire_are_classified(azure):
    with pytest.raises(Unauthorized):
        PROVIDER.client(host=PROVIDER.default_host(), credential=BearerToken("nope")).me()
    # Without the Suppress header Azure DevOps answers a bad credential with a 203 sign-in page.
    answer = httpx.get(azure.url + "/vssps/_apis/profile/profiles/me", auth=("", "nope"))
    assert answer.status_code == 203
    with pytest.raises(Unauthorized):
        raise_for_response(answer)
    client = PROVIDER.client(host=PROVIDER.default_host(),
                             credential=BasicCredentials("", azure.token(kind="personal", scopes=SCOPES)))
    azure.fault(r"/vssps/_apis/profile/profiles/me$", status=503, times=1)
    with pytest.raises(ProviderUnavailable):
        client.me()
    only_profile = BasicCredentials("", azure.token(kind="personal", scopes=["vso.profile"]))
    with pytest.raises(InsufficientScope):
        PROVIDER.client(host=PROVIDER.default_host(), credential=only_profile).repositories("acme")
    # Last: a 429 also cools the host down for the portal's other calls (providers.host_limits).
    azure.fault(r"/vssps/_apis/profile/profiles/me$", "rate_limit", retry_after=30, times=1)
    with pytest.raises(RateLimited) as limited:
        client.me()
    assert limited.value.retry_after == 30
