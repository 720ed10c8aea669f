"""The token dialog in real headless Chromium: open it from the Connections page, switch the kind without a
reload, paste a repository access token, see the connection; a refused token keeps the dialog open."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from integrations.models import Connection
from tests.browser.conftest import sign_in
from tests.integrations.token_fixtures import token_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set PORTAL_SCREENS_DIR to keep screenshots of the dialog and the page at desktop and phone widths.
SCREENS = os.environ.get("PORTAL_SCREENS_DIR", "")


def shoot(page, name: str) -> None:
    if not SCREENS:
        return
    Path(SCREENS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SCREENS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_paste_an_access_token_in_the_dialog(token_world, page):  # noqa: F811
    tw = token_world
    token = tw.cloud_token("repository_access_token", repository="acme/webapp", scopes=["repository", "webhook"])
    sign_in(page, tw.world.a.member.email)
    page.goto("/orgs/acme/connections/")
    page.evaluate("window.__notReloaded = true")
    shoot(page, "connections-empty")

    page.locator(f"#integration-{tw.cloud.pk} [data-token-connect]").click()
    expect(page.locator(".modal h2")).to_have_text("Connect Bitbucket with a token")
    page.check("input[name=method][value=access-token]")
    expect(page.locator("label[for=id_login]")).to_contain_text("workspace/repository")
    shoot(page, "token-dialog")

    page.fill("#id_login", "acme/api")
    page.fill("#id_token", token)
    page.click("#token-form button[type=submit]")
    expect(page.locator("#token-form")).to_contain_text("cannot see acme/api")
    assert page.evaluate("window.__notReloaded") is True  # the dialog stayed, swapped by htmx
    shoot(page, "token-dialog-refused")

    page.fill("#id_login", "acme/webapp")
    page.fill("#id_token", token)
    page.click("#token-form button[type=submit]")

    card = page.locator(f"#integration-{tw.cloud.pk}")
    expect(card).to_contain_text("repository acme/webapp")
    expect(card).to_contain_text("admin rights")
    assert token not in page.content()
    assert Connection.objects.get().resource == "repository acme/webapp"
    shoot(page, "connections-with-token")


def test_a_shared_token_and_the_workspace_limit_as_admins_and_members_see_them(token_world, page,  # noqa: F811
                                                                               browser_context):
    from integrations.connections.tokens import connection_create_token

    tw, w = token_world, token_world.world
    w.a.admin.first_name, w.a.admin.last_name = "Ada", "Admin"
    w.a.admin.save()
    token = tw.cloud_token("api_token")
    connection_create_token(integration=tw.cloud, user=w.a.admin, kind="api-token", login="alice@acme.example",
                            token=token, shared=True)

    sign_in(page, w.a.admin.email)
    page.goto(f"/orgs/acme/runners/{tw.cloud.runner_id}/")
    page.locator(f'a[href="/orgs/acme/runners/{tw.cloud.runner_id}/access/{tw.cloud.pk}/"]').first.click()
    page.fill("[name='options.workspace']", "acme")
    shoot(page, "repository-access-workspace")
    page.click("#access-form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Saved Bitbucket Cloud")

    member = browser_context.new_page()
    browser_context.clear_cookies()
    sign_in(member, w.a.member.email)
    member.goto("/orgs/acme/connections/")
    shared = member.locator(f"#integration-{tw.cloud.pk} [data-shared-connection]")
    expect(shared).to_contain_text("Ada Admin")
    assert "alice-bb" not in shared.inner_text() and token not in member.content()
    shoot(member, "connections-shared-member")
    tw.cloud.refresh_from_db()
    assert tw.cloud.options == {"workspace": "acme"}
