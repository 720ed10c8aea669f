"""Secrets never reach Django's debug page (finding F9): neither its POST table nor a frame's variables.

The failure used here is a real one: a runner whose stored public key is damaged cannot have a secret
sealed to it, so saving the dialog raises while the secret is in the request and in the callers' locals."""

from __future__ import annotations

import pytest
from django.test import Client

from runners.models import Runner
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
