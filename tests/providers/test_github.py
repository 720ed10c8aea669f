"""GitHub against the emulator (Enterprise Server shape): identity, pasted tokens, error classification."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import PROVIDERS
from integrations.providers.github.client import api_url_for, parse_expiration
from integrations.providers.github.errors import raise_for_response
from integrations.providers.http import (
    BearerToken,
    Forbidden,
    InsufficientScope,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from integrations.providers.protocol import TokenRejected

PROVIDER = PROVIDERS["github"]
CLASSIC = ["repo", "read:user", "user:email"]


def check(github, token: str):
    return PROVIDER.check_token(host=github.url, kind="personal-access-token", login="", token=token, options={})


def test_api_lives_on_its_own_host_for_github_com_and_under_api_v3_on_enterprise():
    assert api_url_for("https://github.com") == "https://api.github.com"
    assert api_url_for("https://github.example.com/") == "https://github.example.com/api/v3"


def test_identity_has_the_primary_verified_email_and_the_header_scopes(github):
    token = github.token(kind="classic", scopes=CLASSIC)
    identity = PROVIDER.verify_credential(host=github.url, credential=BearerToken(token))
    assert (identity.username, identity.display_name, identity.git_author_email) == ("alice", "Alice Archer",
                                                                                     "alice@example.com")
    assert set(identity.scopes) == set(CLASSIC)


def test_without_user_email_the_author_is_githubs_noreply_address(github):
    token = github.token(kind="classic", scopes=["repo"])
    identity = PROVIDER.verify_credential(host=github.url, credential=BearerToken(token))
    assert identity.git_author_email.endswith("+alice@users.noreply.github.com")


def test_a_classic_token_is_accepted_with_its_scopes_and_expiry(github):
    checked = check(github, github.token(kind="classic", scopes=CLASSIC, expires_in=7 * 86400))
    assert checked.identity.username == "alice" and checked.credential_type == "classic"
    assert set(checked.scopes) == set(CLASSIC) and checked.expires_at is not None


def test_a_fine_grained_token_has_no_scopes_and_the_check_says_so(github):
    checked = check(github, github.token(kind="fine-grained"))
    assert checked.credential_type == "fine-grained" and checked.scopes == ()
    assert any("does not report the permissions" in w for w in checked.warnings)
    assert any("sees no repositories" in w for w in checked.warnings)


def test_an_expired_or_revoked_token_is_refused(github):
    token = github.token(kind="classic", scopes=CLASSIC)
    github.emulator.control("POST", "/github/tokens/expire", json={"token": token})
    with pytest.raises(TokenRejected) as info:
        check(github, token)
    assert info.value.reason == "invalid" and "expired" in info.value.message


def test_a_token_without_repo_is_refused_naming_the_scope(github):
    with pytest.raises(TokenRejected) as info:
        check(github, github.token(kind="classic", scopes=["read:user"]))
    assert info.value.reason == "insufficient_scope" and info.value.missing_scopes == ("repo",)


def test_expiration_header_formats():
    assert parse_expiration("2026-12-31 00:00:00 UTC").year == 2026
    assert parse_expiration("2026-12-31 00:00:00 +0100").utcoffset().total_seconds() == 3600
    assert parse_expiration("soon") is None


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


def _response(status: int, headers: dict | None = None, body: dict | None = None) -> httpx.Response:
    request = httpx.Request("GET", "https://api.github.com/user/repos")
    return httpx.Response(status, headers=headers or {}, json=body or {"message": "x"}, request=request)


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
