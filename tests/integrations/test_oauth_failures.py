"""Every way a Connect attempt can fail ends with a clear message and stores nothing."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.internal.statekit import STATES_SESSION_KEY
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection
from runners.models import Runner
from tests.integrations.oauth_fixtures import callback_path, consent, make_integration, start_connect
from tests.runners.conftest import register_runner

NOTHING = b"Nothing was connected"


def assert_nothing_stored() -> None:
    assert not Connection.objects.exists()
    assert not SocialAccount.objects.exists()


def callback_url(integration, **params) -> str:
    return reverse("scm_oauth_callback", kwargs={"provider_id": integration.oauth_key}) + "?" + urlencode(params)


def state_of(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


# --- with a live agent and the emulator -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_tampered_state_is_rejected_and_the_code_never_exchanged(oauth_world):
    cloud = oauth_world.integrations["cloud"]
    client = oauth_world.client()
    back = consent(start_connect(client, cloud))
    query = parse_qs(urlsplit(back).query)

    response = client.get(callback_url(cloud, code=query["code"][0], state=query["state"][0][:-2] + "xx"))

    assert response.status_code == 400
    assert b"cannot be verified" in response.content and NOTHING in response.content
    assert_nothing_stored()
    assert oauth_world.emulator.requests(path="/site/oauth2/access_token") == []


@pytest.mark.django_db(transaction=True)
def test_replayed_callback_is_rejected_and_changes_nothing(oauth_world):
    cloud = oauth_world.integrations["cloud"]
    client = oauth_world.client()
    back = callback_path(consent(start_connect(client, cloud)))
    assert client.get(back).status_code == 302
    before = Connection.objects.get()

    replay = client.get(back)

    assert replay.status_code == 400
    assert b"already used" in replay.content
    after = Connection.objects.get()
    assert (after.access_token_encrypted, after.updated_at) == (before.access_token_encrypted, before.updated_at)
    assert len(oauth_world.emulator.requests(path="/site/oauth2/access_token")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_callback_in_another_session_is_rejected(oauth_world):
    """Login CSRF: a victim's browser fed the attacker's code+state has no such state in its session."""
    cloud = oauth_world.integrations["cloud"]
    attacker = oauth_world.client(oauth_world.world.a.owner)
    back = callback_path(consent(start_connect(attacker, cloud)))

    response = oauth_world.client().get(back)

    assert response.status_code == 400 and NOTHING in response.content
    assert_nothing_stored()


@pytest.mark.django_db(transaction=True)
def test_wrong_client_secret_is_a_provider_error_in_the_popup(oauth_world):
    server = oauth_world.integrations["server"]
    oauth_world.emulator.control("POST", "/server/oauth-clients", json={
        "client_id": "server-client-1", "client_secret": "not-what-the-admin-entered", "name": "Portal",
        "redirect_uri": server.callback_url, "scopes": ["REPO_READ"]})
    client = oauth_world.client()

    response = client.get(callback_path(consent(start_connect(client, server))))

    assert response.status_code == 400
    assert b"Bitbucket Server refused the token request (invalid_client" in response.content
    assert_nothing_stored()


# --- without an agent -----------------------------------------------------------------------


@pytest.fixture
def offline_cloud(world, settings):
    """Bitbucket Cloud on a runner with no agent process. It counts as online when a test starts (Connect
    refuses an offline runner before the consent page); `go_offline` makes it miss its heartbeats."""
    settings.PORTAL_BASE_URL = "http://testserver"
    reg = register_runner(world.a.org, world.a.admin, "acme-offline")
    return make_integration(reg.runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key-off",
                            secret="offline-secret-value")


@pytest.mark.django_db
def go_offline(integration) -> None:
    Runner.objects.filter(pk=integration.runner_id).update(last_seen_at=timezone.now() - timedelta(hours=1))


def test_runner_offline_is_said_at_once_and_nothing_stored(world, offline_cloud):
    client = Client()
    client.force_login(world.a.member)
    state = state_of(start_connect(client, offline_cloud))
    go_offline(offline_cloud)  # during the consent page

    started = time.monotonic()
    response = client.get(callback_url(offline_cloud, code="some-code", state=state))

    assert time.monotonic() - started < 5  # no waiting for a job nobody will take
    assert response.status_code == 400
    assert b"The runner acme-offline is offline" in response.content and NOTHING in response.content
    assert_nothing_stored()
    # The opener's polling sees the same failure.
    status = client.get(reverse("connection_status", args=["acme", offline_cloud.pk]), {"since": "0"}).json()
    assert status["state"] == "failed" and "offline" in status["message"]


@pytest.mark.django_db
def test_expired_state_is_rejected(world, offline_cloud):
    client = Client()
    client.force_login(world.a.member)
    state = state_of(start_connect(client, offline_cloud))
    session = client.session
    states = session[STATES_SESSION_KEY]
    data, stamp, provider = states[state]
    states[state] = (data, stamp - 3600, provider)  # an hour old: allauth keeps states for 10 minutes
    session[STATES_SESSION_KEY] = states
    session.save()

    response = client.get(callback_url(offline_cloud, code="some-code", state=state))

    assert response.status_code == 400 and b"has expired" in response.content
    assert_nothing_stored()


@pytest.mark.django_db
def test_denied_consent_says_so(world, offline_cloud):
    client = Client()
    client.force_login(world.a.member)
    state = state_of(start_connect(client, offline_cloud))

    response = client.get(callback_url(offline_cloud, error="access_denied", state=state))

    assert b"access was denied" in response.content and NOTHING in response.content
    assert_nothing_stored()


@pytest.mark.django_db
def test_login_on_get_only_confirms(world, offline_cloud):
    client = Client()
    client.force_login(world.a.member)

    response = client.get(reverse("scm_login", kwargs={"provider_id": offline_cloud.oauth_key}))

    assert response.status_code == 200 and b"<form" in response.content
    assert STATES_SESSION_KEY not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "other_org"])
def test_another_orgs_integration_is_not_available(world, offline_cloud, who):
    user = world.outsider if who == "outsider" else world.b.owner
    client = Client()
    client.force_login(user)

    response = client.post(reverse("scm_login", kwargs={"provider_id": offline_cloud.oauth_key}),
                           {"process": "connect"})

    assert response.status_code == 404 and b"not available to you" in response.content
    assert STATES_SESSION_KEY not in client.session
