"""The Connections page's token dialog: the same form and answers as the API, shared credentials shown by
owner name only, no token in any page, a constant number of queries."""

from __future__ import annotations

import html
import socket

import pytest
from django.urls import reverse

from integrations.models import Connection

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme/connections/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def dialog_url(integration) -> str:
    return reverse("connection_token_add", args=["acme", integration.pk])


def page(client) -> str:
    response = client.get(reverse("connection_list", args=["acme"]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_offers_a_token_where_the_integration_takes_them(token_world, client_for):
    html = page(client_for(token_world.world.a.member))
    assert html.count("Connect with a token") == 2
    assert dialog_url(token_world.cloud) in html and dialog_url(token_world.server) in html


def test_no_token_offer_where_tokens_are_turned_off(token_world, client_for):
    type(token_world.cloud).objects.filter(pk=token_world.cloud.pk).update(pat_enabled=False)
    html = page(client_for(token_world.world.a.member))
    assert dialog_url(token_world.cloud) not in html and dialog_url(token_world.server) in html


def test_the_dialog_explains_each_kind_and_asks_for_its_login(token_world, client_for):
    client = client_for(token_world.world.a.member)
    modal = client.get(dialog_url(token_world.cloud), **HTMX).content.decode()
    assert 'class="modal"' in modal and "Atlassian account email" in modal and "read:repository" in modal
    assert "API token" in modal and "Access token" in modal and "App password (legacy)" in modal
    assert "Share with the organization" not in modal  # members cannot share

    access = client.get(dialog_url(token_world.cloud), {"method": "access-token"}, **HTMX).content.decode()
    assert "workspace/repository" in access and "Repository settings" in access
    assert "does not say when tokens expire" in access

    admin_modal = client_for(token_world.world.a.admin).get(dialog_url(token_world.cloud), **HTMX).content.decode()
    assert "Share with the organization" in admin_modal


def test_a_good_token_connects_and_the_page_shows_kind_scopes_and_warnings(token_world, client_for):
    tw = token_world
    token = tw.cloud_token("api_token")
    client = client_for(tw.world.a.member)

    response = client.post(dialog_url(tw.cloud), {"integration": tw.cloud.pk, "method": "api-token",
                                                  "login": "alice@acme.example", "token": token}, **HTMX)

    assert response.status_code == 204 and response["HX-Redirect"] == reverse("connection_list", args=["acme"])
    html = page(client)
    assert "Connected with</dt><dd>API token" in html and "read:repository:bitbucket" in html
    assert "every repository its owner can" in html and "not reported by Bitbucket" in html
    assert "is now connected with your token (API token)" in html
    assert token not in html
    assert Connection.objects.get().user == tw.world.a.member


@pytest.mark.parametrize(("data", "field"), [
    ({"method": "api-token", "login": "alice-bb", "token": "A" * 24}, "login"),
    ({"method": "api-token", "login": "alice@acme.example", "token": "two words here"}, "token"),
    ({"method": "http-access-token", "login": "", "token": "A" * 24}, "method"),
    ({"method": "api-token", "login": "", "token": "A" * 24}, "login"),
])
def test_the_dialog_and_the_api_give_the_same_answer_for_bad_input(token_world, client_for, api_client_for,
                                                                    data, field):
    tw = token_world
    web = client_for(tw.world.a.member).post(dialog_url(tw.cloud), {"integration": tw.cloud.pk, **data}, **HTMX)
    api = api_client_for(tw.world.a.member).post(API, {"integration": tw.cloud.pk, **data}, format="json")

    assert web.status_code == 200 and api.status_code == 400
    messages = api.json()["error"]["fields"][field]
    html = web.content.decode()
    for message in messages:
        assert message.replace("'", "&#x27;") in html, message
    assert "A" * 24 not in html and "A" * 24 not in api.content.decode()
    assert not Connection.objects.exists()


def test_a_refused_token_is_explained_under_the_token_field(token_world, client_for):
    tw = token_world
    token = tw.server_token()
    tw.emulator.control("POST", "/server/settings", json={"version": "7.10.0"})

    html = client_for(tw.world.a.member).post(dialog_url(tw.server), {
        "integration": tw.server.pk, "method": "http-access-token", "login": "alice", "token": token}, **HTMX
    ).content.decode()

    assert "runs 7.10.0; HTTP access tokens need 7.14 or later" in html and token not in html
    assert not Connection.objects.exists()


def test_an_unreachable_provider_is_said_above_the_form(token_world, client_for):
    tw = token_world
    token = tw.cloud_token("api_token")
    tw.emulator.control("POST", "/faults", json={"path": "^/2.0/", "kind": "status", "status": 503})

    html = client_for(tw.world.a.member).post(dialog_url(tw.cloud), {
        "integration": tw.cloud.pk, "method": "api-token", "login": "alice@acme.example", "token": token},
        **HTMX).content.decode()

    assert 'class="form-errors"' in html and "could not check the token right now" in html
    assert not Connection.objects.exists()


def test_an_instance_that_refuses_connections_is_said_in_the_users_words(token_world, client_for):
    """Issue 15 item 9: "We couldn't reach <host>: the connection was refused", not the HTTP client's words."""
    tw = token_world
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        host = f"http://127.0.0.1:{probe.getsockname()[1]}"
    type(tw.server).objects.filter(pk=tw.server.pk).update(host=host)

    text = html.unescape(client_for(tw.world.a.member).post(dialog_url(tw.server), {
        "integration": tw.server.pk, "method": "http-access-token", "login": "", "token": "BBDC-abc"},
        **HTMX).content.decode())

    assert (f"We couldn't reach {host}: the connection was refused. Check the address and that the server accepts "
            "connections from the portal. Nothing was saved.") in text
    assert "ConnectError" not in text and "/rest/api" not in text
    assert not Connection.objects.exists()


def test_members_see_the_shared_token_by_its_owner_name_only(token_world, client_for):
    tw, w = token_world, token_world.world
    w.a.admin.first_name, w.a.admin.last_name = "Ada", "Admin"
    w.a.admin.save()
    token = tw.cloud_token("api_token")
    response = client_for(w.a.admin).post(dialog_url(tw.cloud), {
        "integration": tw.cloud.pk, "method": "api-token", "login": "alice@acme.example", "token": token,
        "shared": "on"}, **HTMX)
    assert response.status_code == 204

    html = page(client_for(w.a.member))
    assert "Shared with the organization" in html and "Ada Admin" in html
    assert "alice-bb" not in html and "alice@acme.example" not in html and token not in html
    assert "Remove the shared token" not in html
    admin_html = page(client_for(w.a.admin))
    assert "alice-bb" in admin_html and "Remove the shared token" in admin_html


def test_only_an_admin_removes_the_shared_token_after_confirming(token_world, client_for):
    tw, w = token_world, token_world.world
    client_for(w.a.admin).post(dialog_url(tw.cloud), {
        "integration": tw.cloud.pk, "method": "api-token", "login": "alice@acme.example",
        "token": tw.cloud_token("api_token"), "shared": "on"})
    shared = Connection.objects.get(shared=True)
    url = reverse("connection_disconnect", args=["acme", shared.pk])

    assert client_for(w.a.member).post(url).status_code == 404
    admin = client_for(w.a.admin)
    assert b"Disconnect" in admin.get(url).content and Connection.objects.filter(pk=shared.pk).exists()
    assert admin.post(url).status_code == 302
    assert not Connection.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "other_org"])
def test_other_orgs_get_404_for_the_dialog(token_world, client_for, who):
    w = token_world.world
    client = client_for(w.outsider if who == "outsider" else w.b.owner)
    assert client.get(dialog_url(token_world.cloud)).status_code == 404
    assert client.post(dialog_url(token_world.cloud), {"method": "api-token"}).status_code == 404


def test_the_page_runs_a_constant_number_of_queries(token_world, client_for, django_assert_max_num_queries):
    tw, w = token_world, token_world.world
    client = client_for(w.a.admin)
    client.post(dialog_url(tw.cloud), {"integration": tw.cloud.pk, "method": "api-token",
                                       "login": "alice@acme.example", "token": tw.cloud_token("api_token"),
                                       "shared": "on"})
    client.post(dialog_url(tw.server), {"integration": tw.server.pk, "method": "http-access-token",
                                        "login": "alice", "token": tw.server_token()})
    with django_assert_max_num_queries(12):
        page(client)
