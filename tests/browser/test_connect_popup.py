"""Connect in a real browser: the popup, the emulator's consent page, the agent's code exchange, and the
opener learning the result by postMessage without reloading."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from integrations.models import Connection
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_connections(page, oauth_world):
    sign_in(page, oauth_world.user.email)
    page.goto("/orgs/acme/connections/")
    # A marker that survives only as long as the page is not reloaded.
    page.evaluate("window.__notReloaded = true")


def click_connect(page, integration):
    section = page.locator(f"#integration-{integration.pk}")
    with page.expect_popup() as popup_info:
        section.get_by_role("button", name="Connect").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    return section, popup


@pytest.mark.parametrize(("which", "announced"), [("cloud", "Bitbucket is now connected"),
                                                  ("server", "Bitbucket Server is now connected")])
def test_connect_in_a_popup_tells_the_opener_without_reload(oauth_world, page, which, announced):
    integration = oauth_world.integrations[which]
    open_connections(page, oauth_world)
    section, popup = click_connect(page, integration)
    expect(popup.locator("h1")).to_contain_text("Authorize access to Bitbucket")

    popup.get_by_role("button", name="Grant access").click()

    expect(page.locator("#connect-result")).to_have_text(announced)
    if not popup.is_closed():
        popup.wait_for_event("close")
    assert page.evaluate("window.__notReloaded") is True
    expect(section.locator('[data-field="git_author_name"]')).to_have_text("Alice Liddell")
    expect(section.locator('[data-field="granted_scopes"]')).to_contain_text("REPO_READ" if which == "server"
                                                                             else "repository")
    expect(section.get_by_role("button", name="Reconnect")).to_be_visible()
    connection = Connection.objects.get(user=oauth_world.user, integration=integration)
    assert connection.username == "alice"


def test_cancel_in_the_popup_shows_the_denial_in_both_windows(oauth_world, page):
    integration = oauth_world.integrations["cloud"]
    open_connections(page, oauth_world)
    _, popup = click_connect(page, integration)

    popup.get_by_role("button", name="Cancel").click()

    expect(popup.locator("[data-result-message]")).to_contain_text("access was denied")
    expect(page.locator("#connect-result")).to_contain_text("Bitbucket access was denied")
    expect(page.locator("#connect-result")).to_contain_text("Nothing was connected")
    assert not Connection.objects.exists() and not SocialAccount.objects.exists()


def test_a_message_from_another_origin_is_ignored(oauth_world, page):
    integration = oauth_world.integrations["cloud"]
    open_connections(page, oauth_world)
    _, popup = click_connect(page, integration)
    # A window of another origin (the emulator's) that the page opened claims the connection succeeded.
    # (A frame would be the other way in, but the portal's CSP refuses to frame other origins at all.)
    with page.expect_popup() as opened:
        page.evaluate("(src) => { window.open(src, 'foreign'); }", oauth_world.emulator.base_url + "/_emulator/state")
    foreign = opened.value
    foreign.wait_for_load_state()
    foreign.evaluate("""(id) => window.opener.postMessage(
        {type: "scm-connect-result", integration: Number(id), ok: true, message: "Bitbucket is now connected"}, "*")""",
                     str(integration.pk))

    expect(page.locator("[data-connections]")).to_have_attribute("data-ignored-messages", "1")
    expect(page.locator("#connect-result")).to_be_hidden()
    assert not Connection.objects.exists()
    # The real flow still completes afterwards.
    popup.get_by_role("button", name="Grant access").click()
    expect(page.locator("#connect-result")).to_have_text("Bitbucket is now connected")


def test_lost_message_is_recovered_by_polling(oauth_world, page):
    """The opener never gets the popup's message (here: its listener is cut off); polling gets there."""
    integration = oauth_world.integrations["server"]
    open_connections(page, oauth_world)
    page.evaluate("""() => window.addEventListener("message", (e) => e.stopImmediatePropagation(), true)""")
    _, popup = click_connect(page, integration)

    popup.get_by_role("button", name="Grant access").click()

    expect(page.locator("#connect-result")).to_have_text("Bitbucket Server is now connected")
    assert page.evaluate("window.__notReloaded") is True


def test_blocked_popup_falls_back_to_a_full_page_redirect(oauth_world, page):
    integration = oauth_world.integrations["cloud"]
    open_connections(page, oauth_world)
    page.evaluate("window.open = () => null")  # what a popup blocker does

    page.locator(f"#integration-{integration.pk}").get_by_role("button", name="Connect").click()
    expect(page.locator("h1")).to_contain_text("Authorize access to Bitbucket")
    page.get_by_role("button", name="Grant access").click()

    expect(page).to_have_url(oauth_world.live_url + "/orgs/acme/connections/")
    expect(page.locator(".messages")).to_contain_text("Bitbucket is now connected")
    assert Connection.objects.filter(user=oauth_world.user, integration=integration).exists()


# --- issue 15 -------------------------------------------------------------------------------------------


def test_after_a_popup_connect_the_card_is_the_server_rendered_one_and_disconnect_updates_it(oauth_world, page):
    integration = oauth_world.integrations["cloud"]
    open_connections(page, oauth_world)
    section, popup = click_connect(page, integration)
    popup.get_by_role("button", name="Grant access").click()

    badge = section.locator('[data-field="status_display"]')
    expect(badge).to_have_text("Active")
    expect(badge).to_have_class("badge ok")
    disconnect = section.get_by_role("link", name="Disconnect")
    expect(disconnect).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    disconnect.click()
    expect(section).to_contain_text("account alice was disconnected")
    expect(section.get_by_role("button", name="Connect")).to_be_visible()
    expect(section.get_by_role("link", name="Disconnect")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    assert not Connection.objects.exists()


def test_connect_again_after_a_failure_opens_a_fresh_window_in_front(oauth_world, page):
    integration = oauth_world.integrations["cloud"]
    open_connections(page, oauth_world)
    section, first = click_connect(page, integration)
    first.get_by_role("button", name="Cancel").click()
    expect(page.locator("#connect-result")).to_contain_text("access was denied")
    assert not first.is_closed()  # the failure page stays so its message can be read

    with page.expect_popup() as again:
        section.get_by_role("button", name="Connect").click()
    second = again.value
    second.wait_for_load_state()
    expect(second.locator("h1")).to_contain_text("Authorize access to Bitbucket")
    assert first.is_closed() and second is not first


def test_a_closed_window_explains_a_callback_url_mismatch(oauth_world, page):
    integration = oauth_world.integrations["cloud"]
    # The consumer at Bitbucket carries another callback URL than this integration's.
    oauth_world.emulator.control("POST", "/cloud/consumers", json={
        "key": "cloud-key-2", "secret": "s" * 20, "name": "stale", "callback_url": "http://elsewhere.example/cb/",
        "scopes": ["account"]})
    type(integration).objects.filter(pk=integration.pk).update(client_id="cloud-key-2")
    open_connections(page, oauth_world)
    _, popup = click_connect(page, integration)
    expect(popup.locator("body")).to_contain_text("redirect_uri does not match")
    popup.close()
    expect(page.locator("#connect-result")).to_contain_text("callback URL in its OAuth app is not this integration's")
