"""Browser tests: live portal (transactional), the emulator, a real runner agent process, and Debian's
chromium driven by Playwright, headless."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories import DEMO_PASSWORD
from tests.integrations.oauth_fixtures import agent_runner, all_providers_world, oauth_world  # noqa: F401

# Playwright's sync API runs an event loop in this thread; the ORM calls made here are still plain sync calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture
def browser_context(live_server):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_have_text(email)


RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


@pytest.fixture
def watched(browser_context):
    """A page that records every Content-Security-Policy violation, in the page and on the console;
    `csp_violations(page)` reads them."""
    browser_context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = browser_context.new_page()
    page.console_violations = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.console_violations.append(msg.text))
    return page


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []") + page.console_violations
