"""GitLab's client against the emulator (self-managed shape): identity and git author."""

from __future__ import annotations

from integrations.providers import PROVIDERS
from integrations.providers.http import BearerToken

PROVIDER = PROVIDERS["gitlab"]
SCOPES = ["read_user", "read_api", "read_repository", "write_repository"]


def test_identity_reads_the_user_and_keeps_the_token_responses_scopes(gitlab):
    token = gitlab.token(kind="personal", scopes=SCOPES)
    identity = PROVIDER.verify_credential(host=gitlab.url, credential=BearerToken(token), token_scopes=SCOPES)
    assert (identity.username, identity.git_author_name, identity.git_author_email) == (
        "alice", "Alice Archer", "alice@example.com")
    assert identity.scopes == tuple(SCOPES)
