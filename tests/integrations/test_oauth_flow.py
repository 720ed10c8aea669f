"""The Connect flow end to end without a browser: the portal, the emulator's consent page and token
endpoint, and a real runner agent exchanging the code with the sealed secret."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount

from integrations.models import Connection
from integrations.models.connection import Status
from tests.integrations.oauth_fixtures import (
    CLOUD_SCOPES,
    callback_path,
    consent,
    make_integration,
    running_agent,
    start_connect,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_cloud_connect_writes_an_encrypted_connection_with_the_git_author(oauth_world):
    cloud = oauth_world.integrations["cloud"]
    client = oauth_world.client()
    authorize = start_connect(client, cloud)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(oauth_world.emulator.cloud_web_url + "/site/oauth2/authorize?")
    assert query["redirect_uri"] == [cloud.callback_url]
    assert set(query["scope"][0].split()) == {"account", "email", "repository", "repository:write", "pullrequest",
                                              "issue"}
    assert query["code_challenge_method"] == ["S256"]  # Cloud binds the code to this browser too (F11)

    response = client.get(callback_path(consent(authorize)), follow=True)

    assert response.status_code == 200, response.content.decode()[-1500:]
    assert b"Bitbucket is now connected" in response.content
    connection = Connection.objects.get(user=oauth_world.user, integration=cloud)
    assert connection.method == "oauth"
    assert connection.username == "alice"
    assert (connection.git_author_name, connection.git_author_email) == ("Alice Liddell", "alice@wonder.example")
    assert connection.access_token.startswith("bbemu-oauth-")
    assert connection.refresh_token.startswith("bbemu-refresh-")
    assert connection.access_token not in connection.access_token_encrypted
    assert {"account", "repository"} <= set(connection.granted_scopes)
    # The verify task ran at once (eager in tests) and found every required scope.
    assert connection.status == Status.ACTIVE and connection.missing_scopes == []
    assert connection.last_verified_at is not None
    # The code went through the agent with the sealed secret; the portal never posted it.
    (token_call,) = oauth_world.emulator.requests(path="/site/oauth2/access_token")
    assert token_call["form"]["grant_type"] == "authorization_code"
    assert token_call["headers"]["User-Agent"].startswith("scm-runner-agent/")
    assert SocialAccount.objects.filter(provider=cloud.oauth_key, user=oauth_world.user).count() == 1


def test_server_connect_uses_pkce_and_reads_the_user_from_x_ausername(oauth_world):
    server = oauth_world.integrations["server"]
    client = oauth_world.client()
    authorize = start_connect(client, server)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(oauth_world.emulator.server_url + "/rest/oauth2/latest/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert set(query["scope"][0].split()) == {"PUBLIC_REPOS", "REPO_READ", "REPO_WRITE"}

    response = client.get(callback_path(consent(authorize)), follow=True)

    assert b"Bitbucket Server is now connected" in response.content
    connection = Connection.objects.get(user=oauth_world.user, integration=server)
    assert connection.username == "alice"
    assert connection.git_author_email == "alice@corp.example"
    assert set(connection.granted_scopes) == {"PUBLIC_REPOS", "REPO_READ", "REPO_WRITE"}
    assert connection.status == Status.ACTIVE
    (token_call,) = oauth_world.emulator.requests(path="/rest/oauth2/latest/token")
    assert token_call["form"]["code_verifier"] == "***"  # sent (the emulator's log redacts it)


def test_reconnect_replaces_tokens_in_place(oauth_world):
    cloud = oauth_world.integrations["cloud"]
    client = oauth_world.client()
    client.get(callback_path(consent(start_connect(client, cloud))))
    first = Connection.objects.get(user=oauth_world.user, integration=cloud)

    client.get(callback_path(consent(start_connect(client, cloud))))

    again = Connection.objects.get(user=oauth_world.user, integration=cloud)
    assert again.pk == first.pk
    assert again.access_token != first.access_token and again.refresh_token != first.refresh_token
    assert Connection.objects.count() == 1


def test_another_user_of_the_org_cannot_take_the_same_account(oauth_world):
    cloud = oauth_world.integrations["cloud"]
    first = oauth_world.client()
    first.get(callback_path(consent(start_connect(first, cloud))))
    owner = oauth_world.world.a.owner
    second = oauth_world.client(owner)

    response = second.get(callback_path(consent(start_connect(second, cloud))))

    assert response.status_code == 400
    assert b"already connected by another user of this organization" in response.content
    assert not Connection.objects.filter(user=owner).exists()
    assert not SocialAccount.objects.filter(user=owner).exists()


def test_one_user_connects_the_same_account_on_two_runners(oauth_world, tmp_path):
    """Two runners, two OAuth apps, one Bitbucket account: two connections, each exchanged by its own agent."""
    world = oauth_world.world
    first = oauth_world.integrations["cloud"]
    with running_agent(world.a.org, world.a.admin, oauth_world.live_url, tmp_path / "agent-2",
                       name="acme-desktop") as second_runner:
        second = make_integration(second_runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key-2",
                                  secret="second-consumer-secret-1d2c")
        oauth_world.emulator.control("POST", "/cloud/consumers", json={
            "key": "cloud-key-2", "secret": "second-consumer-secret-1d2c", "name": "Portal on acme-desktop",
            "callback_url": second.callback_url, "scopes": CLOUD_SCOPES})
        client = oauth_world.client()
        for integration in (first, second):
            response = client.get(callback_path(consent(start_connect(client, integration))), follow=True)
            assert b"Bitbucket is now connected" in response.content, response.content.decode()[-800:]

    connections = Connection.objects.filter(user=oauth_world.user).order_by("integration__runner__name")
    assert [c.integration.runner.name for c in connections] == ["acme-desktop", "acme-oauth"]
    assert len({c.provider_account_id for c in connections}) == 1  # the same Bitbucket account
    assert connections[0].access_token != connections[1].access_token
    # Each code went to the token endpoint with its own consumer: each runner's agent used its own secret.
    token_calls = oauth_world.emulator.requests(path="/site/oauth2/access_token")
    assert len(token_calls) == 2
