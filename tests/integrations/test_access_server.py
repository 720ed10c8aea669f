"""Registering a Bitbucket Server / Data Center instance reads its version over real HTTP (the emulator)."""

from __future__ import annotations

import pytest

from integrations.forms import ScmIntegrationForm
from integrations.services import integration_save
from tests.runners.conftest import register_runner


@pytest.fixture
def reg(world):
    return register_runner(world.a.org, world.a.admin)


def _form(reg, host, **data):
    return ScmIntegrationForm({"provider": "bitbucket-server", "host": host, **data}, runner=reg.runner)


def test_a_current_instance_is_accepted_and_its_version_recorded(world, reg, emulator):
    emulator.control("POST", "/server/settings", {"version": "8.19.1"})
    form = _form(
        reg, emulator.server_url + "/", oauth_enabled="on", pat_enabled="on", client_id="cid", client_secret="csecret"
    )
    integration = integration_save(form=form, actor=world.a.admin)
    assert integration.host == emulator.server_url  # trailing slash normalized, context path kept
    assert integration.server_version == "8.19.1"
    assert len(emulator.requests(path="application-properties")) == 1  # read once per save
    assert integration.token_url == emulator.server_url + "/rest/oauth2/latest/token"


def test_oauth_is_refused_below_7_20_with_the_reason_but_tokens_are_allowed(world, reg, emulator):
    emulator.control("POST", "/server/settings", {"version": "7.19.3"})
    form = _form(reg, emulator.server_url, oauth_enabled="on", pat_enabled="on", client_id="c", client_secret="s")
    assert not form.is_valid()
    assert "7.20 or later" in form.errors["oauth_enabled"][0] and "7.19.3" in form.errors["oauth_enabled"][0]
    tokens_only = _form(reg, emulator.server_url, pat_enabled="on")
    assert tokens_only.is_valid(), tokens_only.errors


def test_instances_older_than_7_14_are_refused(world, reg, emulator):
    emulator.control("POST", "/server/settings", {"version": "7.10.0"})
    form = _form(reg, emulator.server_url, pat_enabled="on")
    assert not form.is_valid()
    assert "7.14 or later" in form.errors["host"][0]


def test_an_unreachable_or_failing_host_is_a_form_error_not_a_500(world, reg, emulator):
    emulator.control("POST", "/faults", {"path": "application-properties", "kind": "status", "status": 503})
    form = _form(reg, emulator.server_url, pat_enabled="on")
    assert not form.is_valid()
    assert "Could not read the Bitbucket version" in form.errors["host"][0]
    assert "503" in form.errors["host"][0]
