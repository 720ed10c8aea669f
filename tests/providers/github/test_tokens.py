"""GitHub pasted tokens checked by the provider object: classic accepted with scopes and expiry, fine-grained
without scopes (said so), expired or revoked refused, a missing scope named."""

from __future__ import annotations

import pytest

from integrations.providers import PROVIDERS
from integrations.providers.protocol import TokenRejected

PROVIDER = PROVIDERS["github"]
CLASSIC = ["repo", "read:user", "user:email"]


def check(github, token: str):
    return PROVIDER.check_token(host=github.url, kind="personal-access-token", login="", token=token, options={})


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
