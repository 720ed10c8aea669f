"""Bitbucket Cloud's errors classified into the typed errors: 401 (revoked, expired, app passwords off),
403 naming the missing scope, 429 with its wait, 5xx."""

from __future__ import annotations

import pytest

from integrations.providers import host_limits
from integrations.providers.http import (
    BasicCredentials,
    BearerToken,
    InsufficientScope,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from tests.providers.accounts import CloudAccount


def fault(account, path: str, kind: str, **extra) -> None:
    account.emulator.control("POST", "/faults", json={"path": path, "kind": kind, **extra})


def test_disabled_app_password_is_unauthorized(cloud: CloudAccount):
    password = cloud.token_for("app_password", user="alice")
    client = cloud.client(BasicCredentials("alice", password, kind="app_password"))
    assert client.current_user()["nickname"] == "alice"
    cloud.emulator.control("POST", "/cloud/settings", json={"app_passwords_disabled": True})
    with pytest.raises(Unauthorized) as info:
        client.current_user()
    assert "API token" in str(info.value)


def test_missing_scope_is_named(cloud: CloudAccount):
    token = cloud.token_for("oauth", user="alice", scopes=["account"])
    with pytest.raises(InsufficientScope) as info:
        cloud.client(BearerToken(token)).user_emails()
    assert info.value.missing_scopes == ("email",)
    assert "missing scope: email" in str(info.value)
    assert info.value.status == 403


def test_missing_api_token_scope_is_named(cloud: CloudAccount):
    token = cloud.token_for("api_token", user="alice", scopes=["read:user:bitbucket"])
    with pytest.raises(InsufficientScope) as info:
        cloud.client(BasicCredentials("alice@example.com", token)).repositories("acme")
    assert info.value.missing_scopes == ("read:repository:bitbucket",)


def test_revoked_token_is_unauthorized(cloud: CloudAccount):
    client = cloud.client()
    client.current_user()
    cloud.emulator.control("POST", "/cloud/tokens/revoke", json={"token": cloud.token})
    with pytest.raises(Unauthorized) as info:
        client.current_user()
    assert info.value.status == 401
    assert cloud.token not in str(info.value)


def test_expired_token_is_unauthorized(cloud: CloudAccount):
    cloud.emulator.control("POST", "/cloud/tokens/expire", json={"token": cloud.token})
    with pytest.raises(Unauthorized):
        cloud.client().current_user()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_provider_unavailable(cloud: CloudAccount, status: int):
    fault(cloud, r"^/2\.0/user$", "status", status=status)
    with pytest.raises(ProviderUnavailable) as info:
        cloud.client().current_user()
    assert info.value.status == status
    assert f"HTTP {status}" in str(info.value)


# Last: a 429 also cools the host down for the portal's other calls (providers.host_limits).
def test_rate_limit_carries_retry_after(cloud: CloudAccount):
    fault(cloud, r"^/2\.0/user$", "rate_limit", retry_after=42, times=1)
    client = cloud.client()
    with pytest.raises(RateLimited) as info:
        client.current_user()
    assert info.value.retry_after == 42
    assert info.value.status == 429
    assert "bitbucket-cloud" in str(info.value) and "429" in str(info.value)
    # The 429 paused the host for every worker: the next call waits without reaching the provider.
    with pytest.raises(RateLimited) as paused:
        client.current_user()
    assert 40 <= paused.value.retry_after <= 42
    assert len(cloud.emulator.requests(r"^/2\.0/user$")) == 1
    host_limits.namespace += ":after-the-pause"
    assert cloud.client().current_user()["nickname"] == "alice"  # the fault ran out: transient, not invalid
