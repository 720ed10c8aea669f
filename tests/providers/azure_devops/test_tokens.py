"""Azure DevOps personal access tokens (Basic, empty user) checked by calls rather than scopes: accepted,
expired refused, a missing Code scope and an unknown organization named."""

from __future__ import annotations

import pytest

from integrations.providers import PROVIDERS
from integrations.providers.protocol import TokenRejected

PROVIDER = PROVIDERS["azure-devops"]
SCOPES = ["vso.profile", "vso.code_write"]


def check(azure, token: str, organization: str = "acme"):
    return PROVIDER.check_token(host=PROVIDER.default_host(), kind="personal-access-token", login="", token=token,
                                options={"organization": organization})


def test_a_token_is_accepted_after_it_read_the_profile_and_the_organizations_code(azure):
    checked = check(azure, azure.token(kind="personal", scopes=SCOPES))
    assert checked.identity.git_author_email == "alice@example.com" and checked.scopes == ()
    assert checked.resource == "organization acme"
    assert any("does not report a token's scopes" in w for w in checked.warnings)
    requested = [r["path"] for r in azure.emulator.requests()]
    assert any(p.endswith("/acme/_apis/git/repositories") for p in requested)


def test_an_expired_token_is_refused_as_expired(azure):
    token = azure.token(kind="personal", scopes=SCOPES)
    azure.emulator.control("POST", "/azure/tokens/expire", json={"token": token})
    with pytest.raises(TokenRejected) as info:
        check(azure, token)
    assert info.value.reason == "expired"


def test_a_token_without_code_scope_is_refused(azure):
    with pytest.raises(TokenRejected) as info:
        check(azure, azure.token(kind="personal", scopes=["vso.profile"]))
    assert info.value.reason == "insufficient_scope" and info.value.missing_scopes == ("vso.code",)


def test_an_unknown_organization_is_named(azure):
    with pytest.raises(TokenRejected) as info:
        check(azure, azure.token(kind="personal", scopes=SCOPES), organization="globex")
    assert "globex" in info.value.message
