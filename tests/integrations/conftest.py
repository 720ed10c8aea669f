"""Fixtures for the integrations tests (the OAuth connect ones live in oauth_fixtures.py)."""

from tests.integrations.oauth_fixtures import agent_runner, oauth_world  # noqa: F401
from tests.integrations.token_fixtures import token_world  # noqa: F401, E402
