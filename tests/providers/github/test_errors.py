"""GitHub's errors classified into the typed errors: 401, 403 (rate limit, missing scope, refusal), 429, 5xx."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import PROVIDERS
from integrations.providers.github.errors import raise_for_response
from integrations.providers.http import (
    BearerToken,
    Forbidden,
    InsufficientScope,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)

PROVIDER = PROVIDERS["github"]
CLASSIC = ["repo", "read:user", "user:email"]


def _response(status: int, headers: dict | None = None, body: dict | None = None) -> httpx.Response:
    request = httpx.Request("GET", "https://api.github.com/user/repos")
    return httpx.Response(status, headers=headers or {}, json=body or {"message": "x"}, request=request)


def test_errors_over_the_wire_are_classified(github):
    client = PROVIDER.client(host=github.url, credential=BearerToken("not-a-token"))
    with pytest.raises(Unauthorized):
        client.current_user()
    token = github.token(kind="classic", scopes=CLASSIC)
    client = PROVIDER.client(host=github.url, credential=BearerToken(token))
    github.fault(r"^/github/api/v3/user$", status=502, times=1)
    with pytest.raises(ProviderUnavailable):
        client.current_user()
    assert client.current_user()["login"] == "alice"
    # Last: a 429 also cools the host down for the portal's other calls (providers.host_limits).
    github.fault(r"^/github/api/v3/user$", "rate_limit", retry_after=9, times=1)
    with pytest.raises(RateLimited) as info:
        client.current_user()
    assert info.value.retry_after == 9


def test_github_403s_are_rate_limits_missing_scopes_or_refusals():
    with pytest.raises(RateLimited) as primary:
        raise_for_response(_response(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"},
                                     {"message": "API rate limit exceeded for user ID 1."}))
    assert primary.value.retry_after > 0
    with pytest.raises(RateLimited):
        raise_for_response(_response(403, {"Retry-After": "60"}, {"message": "You have exceeded a secondary rate "
                                                                                "limit."}))
    with pytest.raises(InsufficientScope) as scope:
        raise_for_response(_response(403, {"X-OAuth-Scopes": "read:user", "X-Accepted-OAuth-Scopes": "repo"},
                                     {"message": "Resource not accessible by integration"}))
    assert scope.value.missing_scopes == ("repo",)
    with pytest.raises(Forbidden) as plain:
        raise_for_response(_response(403, {"X-RateLimit-Remaining": "4999"}, {"message": "Must have admin rights"}))
    assert not isinstance(plain.value, InsufficientScope | RateLimited)
    with pytest.raises(RateLimited):
        raise_for_response(_response(429, {"Retry-After": "3"}))
    with pytest.raises(ProviderUnavailable):
        raise_for_response(_response(503))
