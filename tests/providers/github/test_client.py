"""GitHub's client against the emulator (Enterprise Server shape): API URL, identity and git author."""

from __future__ import annotations

from integrations.providers import PROVIDERS
from integrations.providers.github.client import api_url_for, parse_expiration
from integrations.providers.http import (
    BearerToken,
)

PROVIDER = PROVIDERS["github"]
CLASSIC = ["repo", "read:user", "user:email"]


def test_api_lives_on_its_own_host_for_github_com_and_under_api_v3_on_enterprise():
    assert api_url_for("https://github.com") == "https://api.github.com"
    assert api_url_for("https://github.example.com/") == "https://github.example.com/api/v3"


def test_identity_has_the_primary_verified_email_and_the_header_scopes(github):
    token = github.token(kind="classic", scopes=CLASSIC)
    identity = PROVIDER.verify_credential(host=github.url, credential=BearerToken(token))
    assert (identity.username, identity.display_name, identity.git_author_email) == ("alice", "Alice Archer",
                                                                                     "alice@example.com")
    assert set(identity.scopes) == set(CLASSIC)


def test_without_user_email_the_author_is_githubs_noreply_address(github):
    token = github.token(kind="classic", scopes=["repo"])
    identity = PROVIDER.verify_credential(host=github.url, credential=BearerToken(token))
    assert identity.git_author_email.endswith("+alice@users.noreply.github.com")


def test_expiration_header_formats():
    assert parse_expiration("2026-12-31 00:00:00 UTC").year == 2026
    assert parse_expiration("2026-12-31 00:00:00 +0100").utcoffset().total_seconds() == 3600
    assert parse_expiration("soon") is None
