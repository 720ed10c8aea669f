"""The pages work under the Content-Security-Policy (finding F10): Chromium reports no violation while
htmx opens the repository access dialog, connect.js runs, Swagger UI renders and the admin loads."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import csp_violations as violations
from tests.browser.conftest import sign_in
from tests.runners.conftest import register_runner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_the_pages_run_without_a_violation(world, live_server, watched):
    page = watched
    reg = register_runner(world.a.org, world.a.admin)
    sign_in(page, world.a.admin.email)
    assert violations(page) == []

    page.goto(f"/orgs/acme/runners/{reg.runner.pk}/")
    page.click("#add-provider")
    modal = page.locator(".modal")
    modal.get_by_label("Bitbucket Cloud").check()
    modal.get_by_role("button", name="Continue").click()
    expect(modal.locator("#callback-url")).to_be_visible()
    modal.get_by_role("button", name="Copy").click()
    expect(modal.get_by_role("button", name="Copied")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".modal")).to_have_count(0)
    assert violations(page) == []

    page.goto("/orgs/acme/connections/")
    expect(page.locator("[data-connections]")).to_be_attached()
    page.goto("/orgs/acme/members/")
    page.goto("/orgs/acme/activity/")
    page.goto("/settings/tokens/")
    assert violations(page) == []


def test_swagger_ui_renders_under_the_policy(world, live_server, watched):
    page = watched
    sign_in(page, world.a.admin.email)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("SCM integration portal API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page) == []


def test_the_sign_in_page_runs_without_a_violation(live_server, watched):
    watched.goto("/accounts/login/")
    expect(watched.locator("input[name=login]")).to_be_visible()
    assert violations(watched) == []
