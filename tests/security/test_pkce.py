"""A Bitbucket Cloud code is bound to the browser that started the flow (finding F11): alice's unused code,
sent with carol's own state, completed carol's connect. With PKCE the verifier in carol's state does not
match the challenge alice's code was issued for, so Bitbucket (here the emulator) refuses the exchange."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from integrations.models import Connection
from tests.integrations.oauth_fixtures import consent, start_connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_code_from_another_browser_does_not_complete_the_connect(oauth_world):
    cloud = oauth_world.integrations["cloud"]
    alice_browser = oauth_world.client(oauth_world.world.a.admin)
    leaked = parse_qs(urlsplit(consent(start_connect(alice_browser, cloud))).query)["code"][0]

    carol_browser = oauth_world.client(oauth_world.world.a.member)
    carols_state = parse_qs(urlsplit(start_connect(carol_browser, cloud)).query)["state"][0]
    callback = reverse("scm_oauth_callback", kwargs={"provider_id": cloud.oauth_key})
    response = carol_browser.get(f"{callback}?{urlencode({'code': leaked, 'state': carols_state})}")

    assert response.status_code == 400
    assert b"Nothing was connected" in response.content
    assert not Connection.objects.exists()
    exchange = oauth_world.emulator.requests(path="/site/oauth2/access_token")
    assert len(exchange) == 1 and exchange[0]["form"]["code_verifier"] == "***"  # sent, and refused


def test_the_authorize_request_carries_an_s256_challenge(oauth_world):
    query = parse_qs(urlsplit(start_connect(oauth_world.client(), oauth_world.integrations["cloud"])).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43


def test_the_connect_still_completes_in_its_own_browser(oauth_world):
    client = oauth_world.client()
    back = consent(start_connect(client, oauth_world.integrations["cloud"]))
    assert client.get(urlsplit(back).path + "?" + urlsplit(back).query).status_code == 302
    assert Connection.objects.get().user == oauth_world.user
