"""GitLab's errors classified into the typed errors: 401, 403 (insufficient_scope), 429, 5xx."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import PROVIDERS
from integrations.providers.gitlab.errors import raise_for_response
from integrations.providers.http import BearerToken, InsufficientScope, ProviderUnavailable, RateLimited, Unauthorized

PROVIDER = PROVIDERS["gitlab"]
SCOPES = ["read_user", "read_api", "read_repository", "write_repository"]


def test_errors_over_the_wire_are_classified(gitlab):
    with pytest.raises(Unauthorized):
        PROVIDER.client(host=gitlab.url, credential=BearerToken("nope")).current_user()
    only_repo = gitlab.token(kind="personal", scopes=["read_repository"])
    with pytest.raises(InsufficientScope) as scope:
        PROVIDER.client(host=gitlab.url, credential=BearerToken(only_repo)).current_user()
    assert "read_user" in scope.value.missing_scopes
    client = PROVIDER.client(host=gitlab.url, credential=BearerToken(gitlab.token(kind="personal", scopes=SCOPES)))
    gitlab.fault(r"^/gitlab/api/v4/user$", status=500, times=1)
    with pytest.raises(ProviderUnavailable):
        client.current_user()
    assert client.current_user()["username"] == "alice"
    # Last: a 429 also cools the host down for the portal's other calls (providers.host_limits).
    gitlab.fault(r"^/gitlab/api/v4/user$", "rate_limit", retry_after=5, times=1)
    with pytest.raises(RateLimited) as limited:
        client.current_user()
    assert limited.value.retry_after == 5


def test_a_429_without_retry_after_waits_for_ratelimit_reset():
    request = httpx.Request("GET", "https://gitlab.com/api/v4/user")
    with pytest.raises(RateLimited) as info:
        raise_for_response(httpx.Response(429, headers={"RateLimit-Reset": "4102444800"},
                                          json={"message": "Retry later"}, request=request))
    assert info.value.retry_after > 0
