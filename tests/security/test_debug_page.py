"""Secrets never reach Django's debug page (finding F9): neither its POST table nor a frame's variables.

The failure used here is a real one: a runner whose stored public key is damaged cannot have a secret
sealed to it, so saving the dialog raises while the secret is in the request and in the callers' locals."""

from __future__ import annotations

import secrets
import sys

import pytest
from django.test import Client
from django.views.debug import ExceptionReporter

from integrations.connections.services import connection_save_oauth
from runners.models import Runner
from runners.services import runner_register
from tests.integrations.access_helpers import admin_post, dialog_post
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db

SECRET = "debug-page-secret-4c1e9d"


@pytest.fixture
def broken_runner(world):
    runner = register_runner(world.a.org, world.a.admin).runner
    Runner.objects.filter(pk=runner.pk).update(public_key="AAAA")  # 3 bytes: not an X25519 key
    runner.refresh_from_db()
    return runner


def debug_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_dialogs_debug_page_hides_the_client_secret(world, broken_runner, settings):
    settings.DEBUG = True
    response = dialog_post(debug_client(world.a.admin), broken_runner, {
        "provider": "github", "oauth_enabled": True, "client_id": "Iv1.x", "client_secret": SECRET})
    assert response.status_code == 500
    page = response.content.decode()
    assert "client_secret" in page  # the POST table is there, its value starred out
    assert SECRET not in page


def test_the_admins_debug_page_hides_the_client_secret(world, broken_runner, settings, mfa_staff):
    settings.DEBUG = True
    response = admin_post(debug_client(mfa_staff), broken_runner, {
        "provider": "github", "oauth_enabled": True, "client_id": "Iv1.x", "client_secret": SECRET})
    assert response.status_code == 500
    assert SECRET not in response.content.decode()


# What the calls below are given, read from the module: no frame of the report but the code under test
# holds the secrets, and they are made at run time, so the report's source lines do not show them either.
_ARGUMENTS: dict = {}


def _error_page(func) -> str:
    """Django's debug page (the same filter serves error emails) for what func(**_ARGUMENTS) raises."""
    try:
        func(**_ARGUMENTS)
    except Exception:
        return ExceptionReporter(None, *sys.exc_info()).get_traceback_html()
    raise AssertionError("expected the call to fail")


def test_a_failed_runner_registration_keeps_the_token_off_error_reports(db):
    token = f"rgt_{secrets.token_hex(12)}"
    _ARGUMENTS.clear()
    _ARGUMENTS.update(registration_token=token, public_key="AAAA", suite="x")
    page = _error_page(runner_register)
    assert "This registration token is not valid" in page and "runner_register" in page
    assert token not in page


def test_a_failed_connection_save_keeps_the_tokens_off_error_reports(db):
    access, refresh = secrets.token_hex(12), secrets.token_hex(12)
    _ARGUMENTS.clear()
    _ARGUMENTS.update(integration=None, user=None, identity=None, access_token=access, refresh_token=refresh,
                      expires_at=None, scopes=[])
    page = _error_page(connection_save_oauth)  # no identity: fails inside, holding both tokens
    assert "connection_save_oauth" in page
    assert access not in page and refresh not in page
