"""GitLab pasted tokens checked by the provider object: personal and group tokens accepted with scopes and
expiry, expired and revoked refused saying which, a missing scope named."""

from __future__ import annotations

import pytest

from integrations.providers import PROVIDERS
from integrations.providers.protocol import TokenRejected

PROVIDER = PROVIDERS["gitlab"]
SCOPES = ["read_user", "read_api", "read_repository", "write_repository"]


def check(gitlab, token: str, kind: str = "personal-access-token"):
    return PROVIDER.check_token(host=gitlab.url, kind=kind, login="", token=token, options={})


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
