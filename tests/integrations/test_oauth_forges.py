"""Connect by OAuth to GitHub, GitLab and Azure DevOps end to end without a browser: the portal, the
emulator's consent page and token endpoint, and the runner agent exchanging (and refreshing) with the
sealed secret."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.connections.services import connection_refresh
from integrations.models import Connection
from integrations.models.connection import Status
from tests.integrations.oauth_fixtures import callback_path, consent, start_connect

pytestmark = pytest.mark.django_db(transaction=True)

CASES = {
    # key: (authorize path under the flavour, announcement, token path, refreshable)
    "github": ("/login/oauth/authorize", "GitHub is now connected", "/github/login/oauth/access_token", False),
    "gitlab": ("/oauth/authorize", "GitLab is now connected", "/gitlab/oauth/token", True),
    "azure": ("/entra/organizations/oauth2/v2.0/authorize", "Azure DevOps is now connected",
              "/azure/entra/organizations/oauth2/v2.0/token", True),
}


@pytest.mark.parametrize("key", list(CASES))
def test_connect_writes_a_verified_connection_with_the_git_author(all_providers_world, key):
    world = all_providers_world
    integration = world.integrations[key]
    authorize_path, announced, token_path, refreshable = CASES[key]
    flavour = {"github": "github", "gitlab": "gitlab", "azure": "azure"}[key]
    client = world.client()
    authorize = start_connect(client, integration)
    assert authorize.startswith(world.emulator.url_of(flavour) + authorize_path + "?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["scope"][0].split() == integration.scopes and query["code_challenge_method"] == ["S256"]

    response = client.get(callback_path(consent(authorize)), follow=True)

    assert announced.encode() in response.content, response.content.decode()[-1500:]
    connection = Connection.objects.get(user=world.user, integration=integration)
    assert connection.method == "oauth" and connection.status == Status.ACTIVE
    assert (connection.git_author_name, connection.git_author_email) == ("Alice Liddell", f"alice@{flavour}.example")
    assert connection.access_token not in connection.access_token_encrypted
    (token_call,) = world.emulator.requests(path=token_path)
    assert token_call["headers"]["User-Agent"].startswith("scm-runner-agent/")
    if key == "azure":
        # Entra wants the scopes again with the code.
        assert token_call["form"]["scope"].split() == integration.scopes
    assert bool(connection.refresh_token) is refreshable
    if key == "azure":
        # Entra names the granted delegated permission for `.default`; the provider counts it as `.default`.
        assert connection.granted_scopes == ["499b84ac-1321-427f-aa17-267ca6975798/user_impersonation"]
    if refreshable:
        old_refresh = connection.refresh_token
        refreshed = connection_refresh(connection_id=connection.pk, force=True)
        assert refreshed.refresh_token != old_refresh and refreshed.status == Status.ACTIVE
