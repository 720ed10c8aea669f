"""Layout in Chromium at a phone's width (390 px) and a laptop's (1280 px): no page wider than the screen,
the navigation folded behind "Menu" on the phone and on one row on the laptop (issue 15 items 12, 17).
With SCREENS_DIR set, every page visited is saved as a screenshot (tests/browser/screens.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from integrations.models import Connection
from integrations.models.connection import Method, Status
from portal.audit import audit_record
from tests.browser.conftest import sign_in
from tests.browser.screens import shoot
from tests.integrations.oauth_fixtures import make_integration
from tests.runners.conftest import register_runner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture
def furnished(world, live_server):
    """acme with a registered runner, Bitbucket Cloud and Server on it, a connection, and some activity."""
    with override_settings(PORTAL_BASE_URL=live_server.url, SCM_ALLOW_HTTP_HOSTS=True, SCM_ALLOW_PRIVATE_HOSTS=True):
        runner = register_runner(world.a.org, world.a.admin).runner
        cloud = make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key-with-a-long-name",
                                 secret="layout-secret-1")
    connection = Connection(integration=cloud, user=world.a.owner, organization=world.a.org, method=Method.OAUTH,
                            username="alice", git_author_name="Alice Liddell",
                            git_author_email="alice.liddell.with.a.long.address@wonderland.example",
                            granted_scopes=["account", "email", "repository", "repository:write", "pullrequest"],
                            status=Status.ACTIVE)
    connection.access_token = "layout-access-token"
    connection.save()
    audit_record(actor=world.a.owner, organization=world.a.org, action="organization.rename", target=world.a.org,
                 before={"name": "Acme"}, after={"name": "Acme Corp"})
    return runner, cloud


def pages(world, runner) -> dict[str, str]:
    return {"dashboard": "/orgs/acme/", "connections": "/orgs/acme/connections/",
            "runner": f"/orgs/acme/runners/{runner.pk}/", "activity": "/orgs/acme/activity/",
            "members": "/orgs/acme/members/", "tokens": "/settings/tokens/", "not-found": "/orgs/nowhere/"}


def assert_fits(page, width: int, what: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{what} is {wide} px wide at {width} px"


@override_settings(DEBUG=False)
def test_every_page_fits_a_phone_and_the_nav_folds(world, furnished, browser_context):
    runner, _ = furnished
    page = browser_context.new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, world.a.owner.email)
    for name, url in pages(world, runner).items():
        page.goto(url)
        assert_fits(page, PHONE["width"], name)
        shoot(page, name)
    page.goto("/orgs/acme/")
    activity = page.locator("header").get_by_role("link", name="Activity")
    expect(activity).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(activity).to_be_visible()
    page.locator("header .account-menu summary").click()
    expect(page.locator("header").get_by_role("button", name="Sign out")).to_be_visible()
    assert_fits(page, PHONE["width"], "the open menu")
    shoot(page, "menu-open")
    # The dialog, on a phone.
    page.goto(f"/orgs/acme/runners/{runner.pk}/")
    page.click("#add-provider")
    page.locator(".modal").get_by_label("Bitbucket Server").check()
    page.locator(".modal").get_by_role("button", name="Continue").click()
    expect(page.locator(".modal #id_client_id")).to_be_visible()
    assert_fits(page, PHONE["width"], "the dialog")
    shoot(page, "dialog", full_page=False)


def test_the_header_is_one_row_on_a_laptop(world, furnished, browser_context):
    runner, _ = furnished
    page = browser_context.new_page()
    page.set_viewport_size(LAPTOP)
    sign_in(page, world.a.owner.email)
    for name, url in pages(world, runner).items():
        page.goto(url)
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        height = page.locator("header.topbar").bounding_box()["height"]
        assert height < 60, f"the header wraps on {name}: {height} px"
        assert_fits(page, LAPTOP["width"], name)
        shoot(page, name)
    page.goto(f"/orgs/acme/runners/{runner.pk}/")
    page.click("#add-provider")
    page.locator(".modal").get_by_label("Bitbucket Server").check()
    page.locator(".modal").get_by_role("button", name="Continue").click()
    expect(page.locator(".modal #id_client_id")).to_be_visible()
    shoot(page, "dialog", full_page=False)


def test_the_org_url_name_follows_the_name_as_it_is_typed(world, browser_context):
    page = browser_context.new_page()
    sign_in(page, world.outsider.email)
    page.goto("/orgs/new/")
    page.get_by_label("Name", exact=True).fill("Umbrella Research Ltd")
    expect(page.get_by_label("URL name")).to_have_value("umbrella-research-ltd")
    expect(page.locator("[data-slug-preview]")).to_have_text("umbrella-research-ltd")
    page.get_by_label("URL name").fill("umbrella")
    page.get_by_label("Name", exact=True).fill("Umbrella Corp")
    expect(page.get_by_label("URL name")).to_have_value("umbrella")  # edited by hand: left alone
    expect(page.locator("[data-slug-preview]")).to_have_text("umbrella")
    shoot(page, "org-new")
