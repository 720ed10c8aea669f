"""Bitbucket Server HTTP access tokens checked by the provider object against the emulator: accepted with the
highest permission they carry, refused when expired or revoked, refused when they reach no repository."""

from __future__ import annotations

import pytest

from integrations.providers import PROVIDERS
from integrations.providers.protocol import TokenRejected
from tests.providers.accounts import ServerAccount, seed_server_repos

PROVIDER = PROVIDERS["bitbucket-server"]


def check(server: ServerAccount, token: str, *, login: str = "bob"):
    return PROVIDER.check_token(host=server.emulator.server_url, kind="http-access-token", login=login, token=token,
                                options={})


@pytest.fixture(autouse=True)
def _repositories(server: ServerAccount):
    seed_server_repos(server.emulator, "PRJ", 2)  # bob's project
    server.emulator.control("POST", "/server/users", json={"slug": "carol", "display_name": "Carol"})  # no access


def test_a_personal_token_is_accepted_with_its_permission(server: ServerAccount):
    checked = check(server, server.token_for(level="user", user="bob", permissions=["REPO_READ"]))
    assert checked.identity.username == "bob" and checked.identity.git_author_email == "bob@example.com"
    assert checked.scopes == ("REPO_READ",) and checked.credential_type == "http-access-token"


@pytest.mark.parametrize("action", ["expire", "revoke"])
def test_an_expired_or_revoked_token_is_refused(server: ServerAccount, action):
    token = server.token_for(level="user", user="bob", permissions=["REPO_READ"])
    server.emulator.control("POST", f"/server/tokens/{action}", json={"token": token})
    with pytest.raises(TokenRejected) as info:
        check(server, token)
    assert info.value.reason == "invalid" and "expired or revoked" in info.value.message


def test_a_token_that_reaches_no_repository_is_refused_naming_the_permission(server: ServerAccount):
    with pytest.raises(TokenRejected) as info:  # carol may read no project
        check(server, server.token_for(level="user", user="carol", permissions=["REPO_READ"]), login="carol")
    assert info.value.reason == "insufficient_scope" and info.value.missing_scopes == ("REPO_READ",)


def test_a_token_of_someone_else_is_refused_naming_the_owner(server: ServerAccount):
    with pytest.raises(TokenRejected) as info:
        check(server, server.token_for(level="user", user="bob", permissions=["REPO_READ"]), login="carol")
    assert info.value.reason == "wrong_login" and "bob" in info.value.message
