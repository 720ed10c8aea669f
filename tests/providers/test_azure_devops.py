"""Azure DevOps against the emulator: identity from the profile, pasted tokens (Basic, empty user) checked by
calls rather than scopes, error classification (203 sign-in pages included)."""

from __future__ import annotations

import httpx
import pytest

from integrations.providers import PROVIDERS
from integrations.providers.azure_devops.errors import raise_for_response
from integrations.providers.http import (
    BasicCredentials,
    BearerToken,
    InsufficientScope,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from integrations.providers.protocol import TokenRejected

PROVIDER = PROVIDERS["azure-devops"]
SCOPES = ["vso.profile", "vso.code_write"]


def check(azure, token: str, organization: str = "acme"):
    return PROVIDER.check_token(host=PROVIDER.default_host(), kind="personal-access-token", login="", token=token,
                                options={"organization": organization})


def test_the_oauth_endpoints_are_microsoft_entras_for_the_tenant(settings):
    settings.MICROSOFT_ENTRA_URL = "https://login.microsoftonline.com"
    options = PROVIDER.clean_options({"organization": "fabrikam", "tenant": ""})
    assert PROVIDER.authorize_url("https://dev.azure.com", options) == (
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize")
    assert PROVIDER.grant_extras(scopes=["a/.default", "offline_access"], options=options) == {
        "scope": "a/.default offline_access"}


def test_identity_comes_from_the_profile(azure):
    token = azure.token(kind="personal", scopes=SCOPES)
    identity = PROVIDER.verify_credential(host=PROVIDER.default_host(), credential=BasicCredentials("", token))
    assert (identity.display_name, identity.git_author_email, identity.username) == (
        "Alice Archer", "alice@example.com", "alice@example.com")


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


def test_errors_over_the_wire_are_classified(azure):
    with pytest.raises(Unauthorized):
        PROVIDER.client(host=PROVIDER.default_host(), credential=BearerToken("nope")).me()
    # Without the Suppress header Azure DevOps answers a bad credential with a 203 sign-in page.
    answer = httpx.get(azure.url + "/vssps/_apis/profile/profiles/me", auth=("", "nope"))
    assert answer.status_code == 203
    with pytest.raises(Unauthorized):
        raise_for_response(answer)
    client = PROVIDER.client(host=PROVIDER.default_host(),
                             credential=BasicCredentials("", azure.token(kind="personal", scopes=SCOPES)))
    azure.fault(r"/vssps/_apis/profile/profiles/me$", status=503, times=1)
    with pytest.raises(ProviderUnavailable):
        client.me()
    only_profile = BasicCredentials("", azure.token(kind="personal", scopes=["vso.profile"]))
    with pytest.raises(InsufficientScope):
        PROVIDER.client(host=PROVIDER.default_host(), credential=only_profile).repositories("acme")
    # Last: a 429 also cools the host down for the portal's other calls (providers.host_limits).
    azure.fault(r"/vssps/_apis/profile/profiles/me$", "rate_limit", retry_after=30, times=1)
    with pytest.raises(RateLimited) as limited:
        client.me()
    assert limited.value.retry_after == 30
