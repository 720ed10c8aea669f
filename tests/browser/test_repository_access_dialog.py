"""The "Configure repository access" dialog in real headless Chromium (Debian's), driven by Playwright.

Browser, page and sign-in come from tests/browser/conftest.py."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from integrations.models import ScmIntegration
from tests.browser.conftest import sign_in
from tests.runners.conftest import register_runner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        expect(callback).to_have_value(re.compile(rf"^{live_server.url}/accounts/scm/[0-9a-f]{{16}}/login/callback/$"))
        shown_callback = callback.input_value()
        expect(modal).to_contain_text("Bitbucket calls them Key and Secret")
        expect(modal.locator(".scopes")).to_contain_text("pullrequest")
        modal.get_by_label("Key (Client ID)").fill("bb-consumer-key")
        modal.get_by_label("Secret (Client Secret)").fill("bb-consumer-secret-value")
        modal.get_by_role("button", name="Save").click()
        row = page.locator('#access-list tr[data-provider="bitbucket-cloud"]')
        expect(row.locator(".secret-state")).to_have_text("set")
        # The URL the admin copied before saving is the one the saved integration uses.
        assert ScmIntegration.objects.get().callback_url == shown_callback
        assert "bb-consumer-secret-value" not in page.content()


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


def test_the_oauth_section_follows_the_enable_oauth_toggle(world, live_server, page):
    reg = register_runner(world.a.org, world.a.admin)
    sign_in(page, world.a.admin.email)
    page.goto(f"/orgs/acme/runners/{reg.runner.pk}/")
    page.click("#add-provider")
    modal = page.locator(".modal")
    modal.get_by_label("Bitbucket Cloud").check()
    modal.get_by_role("button", name="Continue").click()
    section = modal.locator("#oauth-section")
    expect(section).to_be_visible()
    expect(modal).not_to_contain_text("{#")  # no template comment leaks into the page
    modal.get_by_label("Enable OAuth").uncheck()
    expect(section).to_be_hidden()
    modal.get_by_label("Enable OAuth").check()
    expect(section).to_be_visible()
    expect(modal.locator("#callback-url")).to_be_visible()
