"""Registering a Bitbucket Server / Data Center instance reads its version over real HTTP (the emulator):
an explicit step after the form validates, with its own timeout and its own error."""

from __future__ import annotations

import html
import socket

import pytest
from django.urls import reverse

from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.submit import integration_submit
from portal.errors import ValidationFailed
from tests.integrations.access_helpers import admin_post, dialog_post
from tests.runners.conftest import register_runner


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


def _form(reg, host, instance=None, **data):
    return ScmIntegrationForm({"provider": "bitbucket-server", "host": host, **data}, instance=instance,
                              runner=reg.runner)


def _refusal(form, actor) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        integration_submit(form=form, actor=actor)
    return info.value.fields


def test_a_current_instance_is_accepted_and_its_version_recorded(world, reg, emulator):
    emulator.control("POST", "/server/settings", {"version": "8.19.1"})
    form = _form(
        reg, emulator.server_url + "/", oauth_enabled="on", pat_enabled="on", client_id="cid", client_secret="csecret"
    )
    integration = integration_submit(form=form, actor=world.a.admin).integration
    assert integration.host == emulator.server_url  # trailing slash normalized, context path kept
    assert integration.server_version == "8.19.1"
    assert len(emulator.requests(path="application-properties")) == 1  # read once per save
    assert integration.token_url == emulator.server_url + "/rest/oauth2/latest/token"


def test_validating_the_form_does_no_network_io(world, reg, emulator):
    form = _form(reg, emulator.server_url, pat_enabled="on")
    assert form.is_valid(), form.errors
    assert emulator.requests(path="application-properties") == []


def test_oauth_is_refused_below_7_20_with_the_reason_but_tokens_are_allowed(world, reg, emulator):
    emulator.control("POST", "/server/settings", {"version": "7.19.3"})
    fields = _refusal(_form(reg, emulator.server_url, oauth_enabled="on", pat_enabled="on", client_id="c",
                            client_secret="s"), world.a.admin)
    assert "7.20 or later" in fields["oauth_enabled"][0] and "7.19.3" in fields["oauth_enabled"][0]
    tokens_only = integration_submit(form=_form(reg, emulator.server_url, pat_enabled="on"), actor=world.a.admin)
    assert tokens_only.integration.server_version == "7.19.3"


def test_instances_older_than_7_14_are_refused(world, reg, emulator):
    emulator.control("POST", "/server/settings", {"version": "7.10.0"})
    fields = _refusal(_form(reg, emulator.server_url, pat_enabled="on"), world.a.admin)
    assert "7.14 or later" in fields["host"][0]
    assert not ScmIntegration.objects.exists()


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("host", "why"), [
    (None, "the connection was refused"),
    ("https://nothing-listens-here.invalid", "the name doesn't resolve"),
])
def test_an_unreachable_host_is_said_in_the_admins_words_in_the_dialog(world, reg, client_for, host, why):
    """Issue 15 item 9: not `bitbucket-server: no response (GET /rest/...): connection failed (ConnectError)`."""
    host = host or f"http://127.0.0.1:{closed_port()}"
    response = dialog_post(client_for(world.a.admin), reg.runner,
                           {"provider": "bitbucket-server", "host": host, "pat_enabled": True})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["host"] and len(errors["host"]) == 1
    assert errors["host"][0].startswith(f"We couldn't reach {host}: {why}. Check the address and that the server "
                                        "accepts connections from the portal.")
    page = response.content.decode()
    assert "ConnectError" not in page and "/rest/api" not in page and "no response" not in page
    assert not ScmIntegration.objects.exists()


def test_a_new_host_that_is_down_is_refused_in_plain_words_not_a_500(world, reg, emulator):
    emulator.control("POST", "/faults", {"path": "application-properties", "kind": "status", "status": 503})
    fields = _refusal(_form(reg, emulator.server_url, pat_enabled="on"), world.a.admin)
    message = fields["host"][0]
    assert f"{emulator.server_url} is unreachable right now: it answered HTTP 503" in message
    assert "Injected fault" not in message  # the instance's own error page is never echoed
    assert not ScmIntegration.objects.exists()


@pytest.fixture
def saved_server(world, reg, emulator) -> ScmIntegration:
    emulator.control("POST", "/server/settings", {"version": "8.19.1"})
    form = _form(reg, emulator.server_url, pat_enabled="on")
    return integration_submit(form=form, actor=world.a.admin).integration


def test_while_the_host_is_down_settings_that_do_not_need_it_still_save(world, reg, emulator, saved_server,
                                                                      client_for):
    emulator.control("POST", "/faults", {"path": "application-properties", "kind": "drop"})
    admin = client_for(world.a.admin)
    response = dialog_post(admin, reg.runner,
                           {"provider": "bitbucket-server", "host": emulator.server_url, "pat_enabled": True,
                            "optional_scopes": "REPO_ADMIN"}, integration=saved_server)
    assert response.status_code == 302
    saved_server.refresh_from_db()
    assert saved_server.optional_scopes == ["REPO_ADMIN"] and saved_server.server_version == "8.19.1"
    page = admin.get(response["Location"])
    assert f"We couldn't reach {emulator.server_url}: it closed the connection without answering" \
        in html.unescape(page.content.decode())


def test_while_the_host_is_down_turning_oauth_on_needs_it_and_says_why(world, reg, emulator, saved_server):
    emulator.control("POST", "/faults", {"path": "application-properties", "kind": "drop"})
    form = _form(reg, emulator.server_url, instance=saved_server, oauth_enabled="on", pat_enabled="on",
                 client_id="cid", client_secret="csecret")
    message = _refusal(form, world.a.admin)["host"][0]
    assert "We couldn't reach" in message and "before a new host is saved or OAuth is turned on" in message
    saved_server.refresh_from_db()
    assert saved_server.oauth_enabled is False


def test_the_probe_gives_up_after_its_own_timeout(world, reg, emulator, saved_server, settings):
    settings.SCM_HOST_PROBE_TIMEOUT = 0.5
    emulator.control("POST", "/faults", {"path": "application-properties", "kind": "latency", "delay_ms": 3000})
    fields = _refusal(_form(reg, emulator.server_url, instance=saved_server, oauth_enabled="on", pat_enabled="on",
                            client_id="cid", client_secret="csecret"), world.a.admin)
    assert f"We couldn't reach {emulator.server_url}: it did not answer in time" in fields["host"][0]


def test_the_api_names_the_host_when_it_is_down(world, reg, emulator, api_client_for):
    emulator.control("POST", "/faults", {"path": "application-properties", "kind": "status", "status": 502})
    response = api_client_for(world.a.admin).post(
        reverse("api_integration_list", args=["acme", reg.runner.pk]),
        {"provider": "bitbucket-server", "host": emulator.server_url, "oauth_enabled": False}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"host"} and error["message"].startswith("host: ")
    assert "unreachable right now: it answered HTTP 502" in error["message"]


def test_the_admin_inline_shows_the_host_refusal_on_its_row(world, reg, emulator, client_for, mfa_staff):
    emulator.control("POST", "/server/settings", {"version": "7.10.0"})
    response = admin_post(client_for(mfa_staff), reg.runner,
                          {"provider": "bitbucket-server", "host": emulator.server_url, "pat_enabled": True})
    assert response.status_code == 200  # re-rendered with the error, not a 500 and not saved
    (formset,) = [f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "integrations"]
    assert "7.14 or later" in formset.forms[0].errors["host"][0]
    assert not ScmIntegration.objects.exists()
