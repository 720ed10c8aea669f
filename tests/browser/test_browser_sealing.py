"""A client secret sealed in the browser: the admin types it into the "Configure repository access"
dialog, Chromium seals it to the runner's key (static/js/hpke.js), the portal stores ciphertext it cannot
open, and a real agent process opens it during a real Connect through the emulator.

What the portal could ever have seen is checked three ways: every request the browser sent, the
portal's log records, and a pg_dump of the database."""

from __future__ import annotations

import json
import logging

import pytest
from playwright.sync_api import expect

from integrations.models import Connection, ScmIntegration
from runners.protocol.sealing import BROWSER_SUITE_NAME, SealedBlob
from tests.browser.conftest import sign_in
from tests.browser.test_connect_popup import click_connect
from tests.factories import DEMO_PASSWORD
from tests.integrations.oauth_fixtures import CLOUD_SCOPES
from tests.integrations.test_no_plaintext_secrets import pg_dump

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "browser-sealed-secret-3e9d1c7b"
KEY = "browser-cloud-key"


@pytest.fixture
def sealing_world(world, emulator, live_server, agent_runner, settings):
    settings.PORTAL_BASE_URL = live_server.url
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    emulator.control("POST", "/cloud/users", json={"username": "alice", "display_name": "Alice Liddell",
                                                   "email": "alice@wonder.example"})
    return world


def add_bitbucket_cloud(page, runner, secret: str, *, key: str = KEY):
    page.goto(f"/orgs/acme/runners/{runner.pk}/")
    page.click("#add-provider")
    modal = page.locator(".modal")
    modal.get_by_label("Bitbucket Cloud").check()
    modal.get_by_role("button", name="Continue").click()
    expect(modal.locator("#secret-sealing-note")).to_contain_text("Sealed in this browser")
    callback_url = modal.locator("#callback-url").input_value()
    modal.get_by_label("Key (Client ID)").fill(key)
    modal.get_by_label("Secret (Client Secret)").fill(secret)
    modal.get_by_role("button", name="Save").click()
    return callback_url


def test_a_browser_sealed_secret_is_opened_by_the_agent_during_connect(sealing_world, agent_runner, emulator,
                                                                       browser_context, caplog):
    caplog.set_level(logging.DEBUG)
    admin_page = browser_context.new_page()
    sent: list[str] = []
    browser_context.on("request", lambda request: sent.append(f"{request.url} {request.post_data or ''}"))
    sign_in(admin_page, sealing_world.a.admin.email)

    callback_url = add_bitbucket_cloud(admin_page, agent_runner, SECRET)

    row = admin_page.locator('#access-list tr[data-provider="bitbucket-cloud"]')
    expect(row.locator(".secret-state")).to_have_text("set")
    expect(row.locator(".sealed-suite")).to_have_text("X25519 (classic), sealed in the browser")
    integration = ScmIntegration.objects.get()
    blob = SealedBlob.from_text(integration.client_secret_sealed)
    assert blob.suite == BROWSER_SUITE_NAME and blob.integration_key == integration.oauth_key
    assert integration.callback_url == callback_url and integration.secret_state == "set"
    posted = [s for s in sent if "/add/ " in s and "client_secret_sealed=" in s]
    assert len(posted) == 1 and "client_secret=" not in posted[0].replace("client_secret_sealed=", "")

    # The provider knows the secret (the admin typed it there too); the user connects with the popup.
    emulator.control("POST", "/cloud/consumers", json={"key": KEY, "secret": SECRET, "name": "Portal",
                                                       "callback_url": callback_url, "scopes": CLOUD_SCOPES})
    browser_context.clear_cookies()
    user_page = browser_context.new_page()
    sign_in(user_page, sealing_world.a.member.email)
    user_page.goto("/orgs/acme/connections/")
    _, popup = click_connect(user_page, integration)
    popup.get_by_role("button", name="Grant access").click()
    expect(user_page.locator("#connect-result")).to_have_text("Bitbucket is now connected")
    assert Connection.objects.get(integration=integration).username == "alice"

    assert not [s for s in sent if SECRET in s], "the plaintext left the browser"
    assert SECRET not in "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in pg_dump()


def test_without_javascript_the_portal_seals_and_says_so(sealing_world, agent_runner, live_server):
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.fill("input[name=login]", sealing_world.a.admin.email)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"/orgs/acme/runners/{agent_runner.pk}/access/add/?provider=github")
            expect(page.locator("#secret-sealing-note")).to_contain_text("Sent to the portal, which seals it on the "
                                                                         "server")
            expect(page.locator("#secret-sealing-note")).to_contain_text("with JavaScript on, it is sealed in this "
                                                                         "browser instead")
            page.fill("#id_client_id", "Iv1.nojs")
            page.fill("#id_client_secret", SECRET)
            page.click("button[type=submit]:has-text('Save')")
            expect(page.locator("#access-list")).to_contain_text("GitHub")
        finally:
            browser.close()
    integration = ScmIntegration.objects.get()
    # Sealed by the portal, to the runner's post-quantum hybrid key.
    assert json.loads(integration.client_secret_sealed)["suite"] == agent_runner.hybrid_key_suite
    assert integration.secret_state == "set" and SECRET not in integration.client_secret_sealed


def test_an_unsaved_entra_tenant_is_sealed_with_the_secret(sealing_world, agent_runner, browser_context, settings):
    """The tenant is part of the token URL sealed beside the secret: the browser seals with the tenant as typed,
    not as saved, so the agent (asked at once) finds the token URL it expects."""
    settings.MICROSOFT_ENTRA_URL = "https://login.entra.example"
    page = browser_context.new_page()
    sign_in(page, sealing_world.a.admin.email)
    page.goto(f"/orgs/acme/runners/{agent_runner.pk}/")
    page.click("#add-provider")
    modal = page.locator(".modal")
    modal.get_by_label("Azure DevOps").check()
    modal.get_by_role("button", name="Continue").click()
    expect(modal.locator("#secret-sealing-note")).to_contain_text("Sealed in this browser")
    modal.get_by_label("Organization").fill("fabrikam")
    modal.get_by_label("Microsoft Entra tenant").fill("contoso.onmicrosoft.com")
    modal.get_by_label("Application (client) ID").fill("app-id-1")
    modal.get_by_label("Client secret").fill(SECRET)
    modal.get_by_role("button", name="Save").click()

    row = page.locator('#access-list tr[data-provider="azure-devops"]')
    expect(row.locator(".secret-state")).to_have_text("set")
    integration = ScmIntegration.objects.get()
    assert integration.token_url == "https://login.entra.example/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert integration.sealed_by_caller and integration.secret_state == "set"

    # Another tenant and a new secret in one save: sealed for the new tenant, not the saved one.
    page.locator(f'a[href="/orgs/acme/runners/{agent_runner.pk}/access/{integration.pk}/"]').first.click()
    modal.get_by_label("Microsoft Entra tenant").fill("fabrikam.onmicrosoft.com")
    modal.get_by_label("Client secret").fill(SECRET + "-2")
    modal.get_by_role("button", name="Save").click()
    expect(page.locator("#access-form")).to_be_hidden()
    expect(row.locator(".secret-state")).to_have_text("set")
    integration.refresh_from_db()
    assert "/fabrikam.onmicrosoft.com/" in integration.token_url and integration.secret_state == "set"
