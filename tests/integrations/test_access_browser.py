"""The "Configure repository access" dialog in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings
from playwright.sync_api import expect, sync_playwright

from integrations.models import ScmIntegration
from tests.factories import DEMO_PASSWORD
from tests.runners.conftest import register_runner

# Playwright's sync API runs an event loop in this thread; the ORM calls made here are still plain sync calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def page(live_server):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_have_text(email)


def test_an_admin_adds_bitbucket_through_the_modal_and_sees_the_secret_set(world, live_server, page):
    reg = register_runner(world.a.org, world.a.admin)
    with override_settings(PORTAL_BASE_URL=live_server.url):
        sign_in(page, world.a.admin.email)
        page.goto(f"/orgs/acme/runners/{reg.runner.pk}/")
        expect(page.locator("#repository-access")).to_contain_text("No providers configured yet")
        page.click("#add-provider")
        modal = page.locator(".modal")
        expect(modal).to_be_visible()
        modal.get_by_label("Bitbucket Cloud").check()
        modal.get_by_role("button", name="Continue").click()
        expect(modal.locator("#access-modal-title")).to_have_text("Add a new provider")
        callback = modal.locator("#callback-url")
        expect(callback).to_have_value(
            __import__("re").compile(rf"^{live_server.url}/accounts/scm/[0-9a-f]{{16}}/login/callback/$")
        )
        expect(modal).to_contain_text("Bitbucket calls them Key and Secret")
        expect(modal.locator(".scopes")).to_contain_text("pullrequest")
        modal.get_by_label("Key (Client ID)").fill("bb-consumer-key")
        modal.get_by_label("Secret (Client Secret)").fill("bb-consumer-secret-value")
        modal.get_by_role("button", name="Save").click()
        row = page.locator('#access-list tr[data-provider="bitbucket-cloud"]')
        expect(row.locator(".secret-state")).to_have_text("set")
        shown = callback_key = ScmIntegration.objects.get().oauth_key
        assert shown == callback_key and "bb-consumer-secret-value" not in page.content()


def test_the_modal_shows_errors_in_place(world, live_server, page):
    reg = register_runner(world.a.org, world.a.admin)
    sign_in(page, world.a.admin.email)
    page.goto(f"/orgs/acme/runners/{reg.runner.pk}/")
    page.click("#add-provider")
    modal = page.locator(".modal")
    modal.get_by_label("GitHub").check()
    modal.get_by_role("button", name="Continue").click()
    modal.get_by_label("Client ID").fill("Iv1.abc")
    modal.get_by_role("button", name="Save").click()
    expect(modal.locator(".error")).to_contain_text("Enter the Client Secret")
    assert not ScmIntegration.objects.exists()


def test_a_member_sees_no_edit_controls(world, live_server, page):
    reg = register_runner(world.a.org, world.a.admin)
    ScmIntegration.objects.create(
        organization=world.a.org,
        runner=reg.runner,
        provider="gitlab",
        host="https://gitlab.com",
        oauth_enabled=False,
        pat_enabled=True,
    )
    sign_in(page, world.a.member.email)
    page.goto(f"/orgs/acme/runners/{reg.runner.pk}/")
    expect(page.locator("#access-list")).to_contain_text("GitLab")
    expect(page.locator("#add-provider")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Remove")).to_have_count(0)
