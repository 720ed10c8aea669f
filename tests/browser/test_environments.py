"""New environment in a real browser: the first URL from a host asks to Connect (the popup flow) and then carries
on by itself with the pasted URL; the next one from the same host opens without reconnecting; the runner's real
agent picks both up. Set SCREENSHOTS_DIR to keep screenshots of the pages at 1280 and 390 px."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from environments.models import EnvironmentRequest, EnvironmentState
from integrations.models import Connection
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def seed(emulator) -> None:
    control = emulator.control
    control("POST", "/cloud/workspaces", json={"slug": "acme", "name": "Acme", "owner": "alice"})
    control("POST", "/cloud/repositories", json={
        "workspace": "acme", "slug": "webapp", "branches": ["feature/login"],
        "pullrequests": [{"title": "Add login page", "source": "feature/login"}]})
    control("POST", "/server/projects", json={"key": "ACME", "name": "Acme", "permissions": {"alice": "PROJECT_ADMIN"}})
    control("POST", "/server/repositories", json={"project": "ACME", "slug": "backend", "branches": ["feature/api"]})


def shoot(page, name: str) -> None:
    if not SCREENSHOTS:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def wait_started(env: EnvironmentRequest, timeout: float = 30.0) -> EnvironmentRequest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env.refresh_from_db()
        if env.state != EnvironmentState.PENDING:
            return env
        time.sleep(0.1)
    return env


def paste(page, runner, url: str) -> None:
    page.goto("/orgs/acme/environments/new/")
    page.select_option("select[name=runner]", str(runner.pk))
    page.fill("input[name=url]", url)


def test_connect_on_demand_then_no_reconnect(oauth_world, page):
    emulator, user = oauth_world.emulator, oauth_world.user
    seed(emulator)
    sign_in(page, user.email)
    pr_url = f"{emulator.cloud_web_url}/acme/webapp/pull-requests/1"
    paste(page, oauth_world.runner, pr_url)
    shoot(page, "new-environment")
    page.get_by_role("button", name="Start environment").click()

    # No connection for bitbucket.org on this runner yet: the page asks to connect, keeping the URL.
    card = page.locator(f"#integration-{oauth_world.integrations['cloud'].pk}")
    expect(card).to_contain_text("Connect Bitbucket first")
    expect(page.locator("input[name=url]")).to_have_value(pr_url)
    shoot(page, "connect-on-demand")
    with page.expect_popup() as popup_info:
        card.get_by_role("button", name="Connect").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    popup.get_by_role("button", name="Grant access").click()

    # The popup tells the page; the page carries on with the pasted URL by itself.
    expect(page.locator("h1")).to_contain_text("acme/webapp")
    env = EnvironmentRequest.objects.get()
    assert (env.user, env.pull_request, env.ref) == (user, 1, "feature/login")
    assert (env.git_author_name, env.git_author_email) == ("Alice Liddell", "alice@wonder.example")
    assert Connection.objects.filter(user=user, integration=oauth_world.integrations["cloud"]).exists()
    assert wait_started(env).state == EnvironmentState.STARTED, env.reason
    page.reload()
    expect(page.locator("[data-state]")).to_have_text("Started")
    shoot(page, "environment-detail")

    # Later environments from the same host open without reconnecting.
    paste(page, oauth_world.runner, f"{emulator.cloud_web_url}/acme/webapp/branch/feature/login")
    page.get_by_role("button", name="Start environment").click()
    expect(page.locator("h1")).to_contain_text("acme/webapp")
    expect(page.get_by_role("button", name="Connect")).to_have_count(0)
    assert EnvironmentRequest.objects.count() == 2
    page.goto("/orgs/acme/environments/")
    expect(page.locator("#environment-list tbody tr")).to_have_count(2)
    shoot(page, "environment-list")


def test_a_blocked_popup_connects_in_the_page_and_still_continues(oauth_world, page):
    emulator = oauth_world.emulator
    seed(emulator)
    sign_in(page, oauth_world.user.email)
    url = f"{emulator.server_url}/projects/ACME/repos/backend/browse?at=refs/heads/feature/api"
    paste(page, oauth_world.runner, url)
    page.get_by_role("button", name="Start environment").click()
    page.evaluate("window.open = () => null")  # what a popup blocker does
    page.locator(f"#integration-{oauth_world.integrations['server'].pk}").get_by_role("button", name="Connect").click()
    expect(page.locator("h1")).to_contain_text("Authorize access to Bitbucket")
    page.get_by_role("button", name="Grant access").click()

    expect(page.locator("h1")).to_contain_text("ACME/backend")
    env = EnvironmentRequest.objects.get()
    assert (env.provider, env.ref, env.ref_type) == ("bitbucket-server", "feature/api", "branch")
