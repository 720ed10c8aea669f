"""A Bitbucket Cloud integration at the emulator and connections of many users on it (health tests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection
from integrations.models.connection import Method, Status
from tests.integrations.oauth_fixtures import make_integration
from tests.runners.conftest import register_runner

ALL_SCOPES = ["account", "email", "repository", "repository:write", "pullrequest", "issue"]


@pytest.fixture
def cloud(world, emulator, settings):
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    emulator.control("POST", "/cloud/users", json={"username": "alice", "display_name": "Alice Liddell"})
    runner = register_runner(world.a.org, world.a.admin).runner
    return make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="k", secret="health-secret")


def cloud_connection(emulator, integration, user, *, scopes=ALL_SCOPES, status=Status.ACTIVE,
                     username: str = "alice", **fields) -> Connection:
    """A connection whose token is a real emulator token (no refresh token: verify never refreshes)."""
    token = emulator.control("POST", "/cloud/tokens", json={"kind": "oauth", "user": username, "scopes": scopes})
    fields.setdefault("method", Method.OAUTH)
    connection = Connection(integration=integration, user=user, organization=integration.organization,
                            username=username, status=status, expires_at=timezone.now() + timedelta(hours=2),
                            **fields)
    connection.access_token = token["token"]
    connection.save()
    return connection


def many_connections(emulator, integration, org, n: int) -> list[Connection]:
    """`n` users of `org`, each with a working connection on `integration`."""
    from tests.factories import MembershipFactory, UserFactory

    made = []
    for i in range(n):
        user = UserFactory(email=f"sweep{i}@example.com")
        MembershipFactory(organization=org, user=user)
        made.append(cloud_connection(emulator, integration, user))
    return made
