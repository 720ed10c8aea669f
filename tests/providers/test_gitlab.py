"""GitLab against the emulator (self-managed shape): identity, pasted tokens, error classification."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import PROVIDERS
from integrations.providers.gitlab.errors import raise_for_response
from integrations.providers.http import BearerToken, InsufficientScope, ProviderUnavailable, RateLimited, Unauthorized
from integrations.providers.protocol import TokenRejected

PROVIDER = PROVIDERS["gitlab"]
SCOPES = ["read_user", "read_api", "read_repository", "write_repository"]


def check(gitlab, token: str, kind: str = "personal-access-token"):
    return PROVIDER.check_token(host=gitlab.url, kind=kind, login="", token=token, options={})


def test_identity_reads_the_user_and_keeps_the_token_responses_scopes(gitlab):
    token = gitlab.token(kind="personal", scopes=SCOPES)
    identity = PROVIDER.verify_credential(host=gitlab.url, credential=BearerToken(token), token_scopes=SCOPES)
    assert (identity.username, identity.git_author_name, identity.git_author_email) == (
        "alice", "Alice Archer", "alice@example.com")
    assert identity.scopes == tuple(SCOPES)


def test_a_personal_token_is_accepted_with_its_scopes_and_expiry(gitlab):
    checked = check(gitlab, gitlab.token(kind="personal", scopes=SCOPES, expires_in=30 * 86400, name="portal"))
    assert checked.identity.username == "alice" and checked.scopes == tuple(SCOPES)
    assert checked.expires_at is not None and checked.credential_type == "personal"


def test_a_group_access_token_acts_as_its_bot(gitlab):
    gitlab.emulator.control("POST", "/gitlab/users", json={"username": "group_7_bot", "bot": True})
    token = gitlab.emulator.control("POST", "/gitlab/tokens", json={
        "user": "group_7_bot", "kind": "group", "scopes": ["api", "read_repository"]})["token"]
    checked = check(gitlab, token, kind="access-token")
    assert checked.identity.username == "group_7_bot" and checked.credential_type == "access-token"
    assert any("bot user" in w for w in checked.warnings)


def test_an_expired_token_is_refused_as_expired(gitlab):
    token = gitlab.token(kind="personal", scopes=SCOPES)
    gitlab.emulator.control("POST", "/gitlab/tokens/expire", json={"token": token})
    with pytest.raises(TokenRejected) as info:
        check(gitlab, token)
    assert info.value.reason == "expired"


def test_a_revoked_token_is_refused_as_revoked(gitlab):
    token = gitlab.token(kind="personal", scopes=SCOPES)
    gitlab.emulator.control("POST", "/gitlab/tokens/revoke", json={"token": token})
    with pytest.raises(TokenRejected) as info:
        check(gitlab, token)
    assert info.value.reason == "revoked"


def test_a_token_without_api_reading_or_repository_scopes_is_refused(gitlab):
    with pytest.raises(TokenRejected) as info:
        check(gitlab, gitlab.token(kind="personal", scopes=["read_user", "read_api"]))
    assert info.value.reason == "insufficient_scope" and info.value.missing_scopes == ("read_repository",)


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
