"""The repository picker and a project page in real headless Chromium: htmx search without a reload,
Select, and the webhook that was installed on the emulator."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations.projects.models import Project
from tests.browser.conftest import sign_in
from tests.projects.conftest import projects_setup  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_select_and_see_the_webhook_active(projects_setup, page, live_server, settings):  # noqa: F811
    settings.PORTAL_BASE_URL = live_server.url
    connection = projects_setup.connections["cloud"]
    sign_in(page, projects_setup.admin.email)
    page.goto(f"/orgs/acme/projects/new/?connection={connection.pk}&source=acme")
    expect(page.locator("li.repo")).to_have_count(3)
    page.evaluate("window.__notReloaded = true")

    page.fill("#picker-q", "doc")

    expect(page.locator("li.repo")).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True  # htmx swapped the list in place
    page.locator('li[data-repository="acme/docs"]').get_by_role("button", name="Select").click()

    expect(page.locator("h1")).to_have_text("docs")
    expect(page.locator("#webhook [data-webhook-state]")).to_have_text("Active")
    project = Project.objects.get()
    expect(page.locator("#receiver-url")).to_have_value(project.receiver_url)
    [hook] = projects_setup.hooks("cloud", "acme/docs")
    assert hook["url"] == project.receiver_url


def test_a_repository_without_admin_rights_cannot_be_selected(projects_setup, page):  # noqa: F811
    connection = projects_setup.connections["cloud"]
    sign_in(page, projects_setup.admin.email)
    page.goto(f"/orgs/acme/projects/new/?connection={connection.pk}")
    page.select_option("#picker-source", "partner")  # autosubmits
    row = page.locator('li[data-repository="partner/shared"]')
    expect(row).to_contain_text("You are not an admin of this repository")
    expect(row.get_by_role("button", name="Select")).to_be_disabled()
