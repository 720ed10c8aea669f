"""The Connections page, its status endpoint and Disconnect: owner/member/outsider, own rows only."""

from __future__ import annotations

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from integrations.models import Connection
from integrations.models.connection import Method, Status
from tests.integrations.oauth_fixtures import make_integration
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, settings):
    settings.PORTAL_BASE_URL = "http://testserver"
    runner = register_runner(world.a.org, world.a.admin).runner
    cloud = make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key", secret="page-secret-1")
    connection = Connection(integration=cloud, user=world.a.member, organization=world.a.org, method=Method.OAUTH,
                            username="alice", git_author_name="Alice Liddell", git_author_email="alice@wonder.example",
                            granted_scopes=["account", "repository"], status=Status.ACTIVE)
    connection.access_token = "plain-access-token-value"
    connection.save()
    SocialAccount.objects.create(user=world.a.member, provider=cloud.oauth_key, uid="{alice}")
    return cloud, connection


def test_the_page_has_a_connect_form_into_a_popup_and_shows_identity(world, client_for, setup):
    cloud, _ = setup
    response = client_for(world.a.member).get(reverse("connection_list", args=["acme"]))

    html = response.content.decode()
    assert response.status_code == 200
    login = reverse("scm_login", kwargs={"provider_id": cloud.oauth_key})
    assert f'method="post" action="{login}"' in html and f'data-window="scm-connect-{cloud.oauth_key}"' in html
    assert 'name="process" value="connect"' in html and "Reconnect" in html
    assert "Alice Liddell" in html and "alice@wonder.example" in html and "account repository" in html
    assert "plain-access-token-value" not in html
    assert 'data-portal-origin="http://testserver"' in html


def test_another_member_sees_the_connect_button_but_not_the_connection(world, client_for, setup):
    html = client_for(world.a.owner).get(reverse("connection_list", args=["acme"])).content.decode()
    assert ">Connect<" in html and "alice@wonder.example" not in html


@pytest.mark.parametrize("who", ["outsider", "other_org"])
def test_other_orgs_get_404_everywhere(world, client_for, setup, who):
    cloud, connection = setup
    user = world.outsider if who == "outsider" else world.b.owner
    client = client_for(user)
    for url in (reverse("connection_list", args=["acme"]),
                reverse("connection_status", args=["acme", cloud.pk]),
                reverse("connection_oauth_done", args=["acme", cloud.pk]),
                reverse("connection_disconnect", args=["acme", connection.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("connection_disconnect", args=["acme", connection.pk])).status_code == 404
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_status_waits_until_a_result_is_recorded(world, client_for, setup):
    cloud, _ = setup
    answer = client_for(world.a.member).get(reverse("connection_status", args=["acme", cloud.pk]),
                                            {"since": "0"}).json()
    assert answer["state"] == "waiting"
    assert answer["connection"]["git_author_email"] == "alice@wonder.example"
    assert "token" not in str(answer).replace("tokens", "")


def test_disconnect_asks_first_then_removes_the_connection_and_account_link(world, client_for, setup):
    _, connection = setup
    client = client_for(world.a.member)
    url = reverse("connection_disconnect", args=["acme", connection.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Disconnect Bitbucket?" in confirm.content
    assert Connection.objects.filter(pk=connection.pk).exists()

    response = client.post(url, follow=True)

    assert b"Bitbucket account alice was disconnected" in response.content
    assert not Connection.objects.exists() and not SocialAccount.objects.exists()


def test_a_member_cannot_disconnect_someone_elses_connection(world, client_for, setup):
    _, connection = setup
    assert client_for(world.a.owner).post(reverse("connection_disconnect", args=["acme", connection.pk])) \
        .status_code == 404
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_the_org_nav_links_to_connections(world, client_for, setup):
    html = client_for(world.a.member).get(reverse("org_dashboard", args=["acme"])).content.decode()
    assert f'href="{reverse("connection_list", args=["acme"])}"' in html


def test_allauths_own_disconnect_is_refused_so_tokens_and_link_stay_together(world, setup):
    from allauth.socialaccount.adapter import get_adapter
    from django.core.exceptions import ValidationError

    account = SocialAccount.objects.get()
    with pytest.raises(ValidationError, match="Connections page"):
        get_adapter().validate_disconnect(account, SocialAccount.objects.all())


@pytest.mark.parametrize("since", ["nan", "inf", "yesterday"])
def test_status_refuses_a_since_that_is_not_a_finite_number(world, client_for, setup, since):
    cloud, _ = setup
    answer = client_for(world.a.member).get(reverse("connection_status", args=["acme", cloud.pk]), {"since": since})
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"since": ["Enter a finite number."]}


# --- issue 15: one card template, the offline runner said up front and refused fast ------------------


def test_the_card_endpoint_renders_the_same_card_as_the_page(world, client_for, setup):
    cloud, connection = setup
    client = client_for(world.a.member)
    page = client.get(reverse("connection_list", args=["acme"])).content.decode()
    card = client.get(reverse("connection_card", args=["acme", cloud.pk])).content.decode()
    start = page.index(f'<section class="card connection" id="integration-{cloud.pk}"')
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert (csrf.sub("", page[start:page.index("</section>", start)])
            == csrf.sub("", card[card.index("<section"):card.index("</section>")]))
    assert 'class="badge ok"' in card and ">Active<" in card and "Disconnect" in card


def test_disconnect_by_htmx_answers_the_fresh_card(world, client_for, setup):
    cloud, connection = setup
    response = client_for(world.a.member).post(reverse("connection_disconnect", args=["acme", connection.pk]),
                                               HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and not Connection.objects.filter(pk=connection.pk).exists()
    assert f'id="integration-{cloud.pk}"' in html and ">Connect<" in html and "Disconnect" not in html
    assert "alice was disconnected" in html


def test_an_offline_runner_is_said_on_the_card_and_connect_fails_at_once(world, client_for, settings):
    settings.PORTAL_BASE_URL = "http://testserver"
    runner = register_runner(world.a.org, world.a.admin, online=False).runner
    cloud = make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key", secret="page-secret-1")
    client = client_for(world.a.member)
    html = client.get(reverse("connection_list", args=["acme"])).content.decode()
    assert "is offline" in html and "data-runner-offline" in html
    assert '<button type="submit" class="primary" disabled>Connect</button>' in html

    done = reverse("connection_oauth_done", args=["acme", cloud.pk])
    response = client.post(reverse("scm_login", kwargs={"provider_id": cloud.oauth_key}),
                           {"process": "connect", "next": f"{done}?popup=1"})
    body = response.content.decode()
    assert response.status_code == 503 and "acme-aws is offline" in body and 'rel="stylesheet"' in body
    status = client.get(reverse("connection_status", args=["acme", cloud.pk]), {"since": 0}).json()
    assert status["state"] == "failed" and "offline" in status["message"]
