"""Bitbucket Cloud pasted tokens checked by the provider object against the emulator: an API token (with the
Atlassian account email) accepted with its scopes, refused when expired or revoked, refused naming a missing
scope; access tokens say what they reach."""

from __future__ import annotations

import pytest

from integrations.providers import PROVIDERS
from integrations.providers.protocol import TokenRejected
from tests.providers.accounts import CloudAccount

PROVIDER = PROVIDERS["bitbucket-cloud"]
API_TOKEN_SCOPES = ["read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
                    "read:pullrequest:bitbucket"]


def check(cloud: CloudAccount, token: str, *, kind: str = "api-token", login: str = "alice@example.com",
          options: dict | None = None):
    return PROVIDER.check_token(host=PROVIDER.default_host(), kind=kind, login=login, token=token,
                                options=options or {})


@pytest.fixture(autouse=True)
def _cloud_at_the_emulator(cloud: CloudAccount, settings):
    settings.BITBUCKET_CLOUD_WEB_URL = cloud.emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = cloud.emulator.cloud_api_url


def test_an_api_token_is_accepted_with_its_scopes(cloud: CloudAccount):
    checked = check(cloud, cloud.token_for("api_token", user="alice", scopes=API_TOKEN_SCOPES))
    assert checked.identity.username == "alice" and checked.identity.git_author_email == "alice@example.com"
    assert set(API_TOKEN_SCOPES) <= set(checked.scopes) and checked.expires_at is None


@pytest.mark.parametrize(("action", "word"), [("expire", "expired"), ("revoke", "revoked")])
def test_an_expired_or_revoked_api_token_is_refused_saying_so(cloud: CloudAccount, action, word):
    token = cloud.token_for("api_token", user="alice", scopes=API_TOKEN_SCOPES)
    cloud.emulator.control("POST", f"/cloud/tokens/{action}", json={"token": token})
    with pytest.raises(TokenRejected) as info:
        check(cloud, token)
    assert word in info.value.message and token not in info.value.message


def test_an_api_token_without_the_repository_scope_is_refused_naming_it(cloud: CloudAccount):
    with pytest.raises(TokenRejected) as info:
        check(cloud, cloud.token_for("api_token", user="alice", scopes=["read:user:bitbucket"]))
    assert info.value.reason == "insufficient_scope"
    assert "read:repository:bitbucket" in info.value.missing_scopes


def test_a_workspace_access_token_says_what_it_reaches(cloud: CloudAccount):
    token = cloud.token_for("workspace_access_token", workspace="acme", scopes=["repository"])
    checked = check(cloud, token, kind="access-token", login="acme")
    assert checked.identity is None and checked.resource == "workspace acme"
