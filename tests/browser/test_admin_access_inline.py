"""The Runner admin's "Repository access" inline in Chromium (issue 15 item 13): a new row asks for a
provider first, then shows only that provider's required scopes, optional scopes and callback URL (for a
self-hosted provider, once its host is typed). SCREENS_DIR saves screenshots at 1280 and 390 px."""

from __future__ import annotations

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from integrations.models import ScmIntegration
from tests.browser.conftest import csp_violations
from tests.browser.screens import shoot
from tests.browser.test_mfa_sign_in import password_step
from tests.factories import staff_with_mfa, totp_code
from tests.integrations.oauth_fixtures import make_integration
from tests.runners.conftest import register_runner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@override_settings(SCM_ALLOW_HTTP_HOSTS=True, SCM_ALLOW_PRIVATE_HOSTS=True)
def test_a_new_row_follows_its_provider(world, live_server, watched):
    runner = register_runner(world.a.org, world.a.admin).runner
    make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key", secret="inline-secret-1")
    page = watched
    password_step(page, staff_with_mfa().email, f"/admin/runners/runner/{runner.pk}/change/")
    page.fill("input[name=code]", totp_code())
    page.get_by_role("button", name="Sign In").click()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/admin/runners/runner/{runner.pk}/change/")
        saved = page.locator("#integrations-0")
        expect(saved.locator(".field-client_secret")).to_contain_text("Set. Leave empty to keep it")
        expect(saved.locator(".field-scopes_display")).not_to_contain_text("webhook")
        expect(saved.locator(".field-optional_scopes")).to_contain_text("webhook")
        callback_url = ScmIntegration.objects.get().callback_url
        expect(saved.locator(".field-callback_url_display code")).to_have_text(callback_url)
        shoot(page, "admin-runner")
        saved.locator(".field-callback_url_display").scroll_into_view_if_needed()
        shoot(page, "admin-inline", full_page=False)  # the inline itself, at reading size

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_text("Add another Repository access").click()
    row = page.locator("#integrations-1")
    expect(row.locator(".field-callback_url_display .choose-provider-first")).to_be_visible()
    expect(row.locator(".field-scopes_display .per-provider").first).to_be_hidden()
    row.locator("select[name$='-provider']").select_option("github")
    scopes = row.locator(".field-scopes_display")
    expect(scopes.locator(".per-provider[data-provider=github]")).to_be_visible()
    expect(scopes.locator(".per-provider[data-provider=gitlab]")).to_be_hidden()
    expect(row.locator(".field-callback_url_display .choose-provider-first")).to_be_hidden()
    github_url = row.locator(".field-callback_url_display .per-provider[data-provider=github] code")
    expect(github_url).to_be_visible()
    row.locator("select[name$='-provider']").select_option("bitbucket-cloud")
    expect(row.get_by_label("webhook: install repository webhooks for projects (org admins)")).to_be_visible()
    expect(github_url).to_be_hidden()
    row.locator("select[name$='-provider']").select_option("bitbucket-server")
    expect(row.get_by_label("webhook: install repository webhooks for projects (org admins)")).to_be_hidden()
    server_line = row.locator(".field-callback_url_display .per-provider[data-provider=bitbucket-server]")
    expect(server_line).to_contain_text("Enter the")
    row.locator("input[name$='-host']").fill("https://bitbucket.example.com/context")
    expect(server_line.locator("code")).to_contain_text("/login/callback/")
    shoot(page, "admin-new-row")
    page.set_viewport_size({"width": 390, "height": 900})
    shoot(page, "admin-new-row")
    row.locator(".field-callback_url_display").scroll_into_view_if_needed()
    shoot(page, "admin-new-row-inline", full_page=False)
    assert csp_violations(page) == []
