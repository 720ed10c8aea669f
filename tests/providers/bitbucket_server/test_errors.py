"""Bitbucket Server's errors classified into the typed errors: its 401 for a permission (Forbidden), a revoked
token (Unauthorized), 429 with its wait, 5xx."""

from __future__ import annotations

import pytest

from integrations.providers.http import (
    BearerToken,
    Forbidden,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from tests.providers.accounts import ServerAccount, seed_server_repos


def fault(account, path: str, kind: str, **extra) -> None:
    account.emulator.control("POST", "/faults", json={"path": path, "kind": kind, **extra})


def test_permission_shortfall_is_forbidden_not_unauthorized(server: ServerAccount):
    """Server answers 401 when a valid credential lacks REPO_ADMIN; that is not a dead token."""
    seed_server_repos(server.emulator, "PRJ", 1)
    read_only = server.token_for(level="user", user="bob", permissions=["REPO_READ"])
    client = server.client(BearerToken(read_only))
    with pytest.raises(Forbidden) as info:
        client.webhooks("PRJ", "svc-00")
    assert info.value.status == 401
    assert not isinstance(info.value, Unauthorized)


def test_revoked_token_is_unauthorized(server: ServerAccount):
    client = server.client()
    assert client.projects()
    server.emulator.control("POST", "/server/tokens/revoke", json={"token": server.token})
    with pytest.raises(Unauthorized) as info:
        client.projects()
    assert server.token not in str(info.value)


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_provider_unavailable(server: ServerAccount, status: int):
    fault(server, r"/rest/api/1\.0/projects$", "status", status=status, times=1)
    with pytest.raises(ProviderUnavailable) as info:
        server.client().projects()
    assert info.value.status == status and server.token not in str(info.value)


def test_server_rate_limit_carries_retry_after(server: ServerAccount):
    fault(server, r"/rest/api/1\.0/projects$", "rate_limit", retry_after=7)
    with pytest.raises(RateLimited) as info:
        server.client().projects()
    assert info.value.retry_after == 7
