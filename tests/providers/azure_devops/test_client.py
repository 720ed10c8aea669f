"""Azure DevOps' client against the emulator: Microsoft Entra endpoints for the tenant, identity from the profile."""

from __future__ import annotations

from integrations.providers import PROVIDERS
from integrations.providers.http import (
    BasicCredentials,
)

PROVIDER = PROVIDERS["azure-devops"]
SCOPES = ["vso.profile", "vso.code_write"]


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
