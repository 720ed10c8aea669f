"""Walk through connection health in a running `make demo`, in Chromium, as a user and an operator would.

    python scripts/demo_walkthrough.py [--portal http://127.0.0.1:8000] [--demo-dir .demo] [--shots DIR]

Signs in as alice, connects Bitbucket (Cloud) through the popup, waits for the worker's first verify
("Active"), revokes the token at the emulator (the card's demo button: what removing the app's access in
the provider's account settings does), and waits for beat's next verify sweep: the card must say
"Revoked", the banner must offer Reconnect, and the worker's console email backend must have printed
exactly one email; one more sweep later, still exactly one. Then the operator (ops@portal.example, with
the demo authenticator) opens the health page. Prints one JSON line of findings; exits 1 if any failed.
Needs Playwright and Chromium (`make browsers`); nothing here runs in `make test`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import struct
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

PASSWORD = "demo-pass-1234"
ALICE = "alice@acme.example"
OPERATOR = "ops@portal.example"
OPERATOR_TOTP_SECRET = "DEMOOPSDEMOOPSDEMOOPSDEMOOPSDEMO"  # portal/demo.py; demo only
SUBJECT = "Subject: Your Bitbucket Cloud connection needs attention"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def totp(secret: str, at: float) -> str:
    """RFC 6238, 6 digits, 30 s: what the demo operator's authenticator app shows."""
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def emails(demo_dir: Path) -> int:
    log = demo_dir / "worker.log"
    return log.read_text(errors="replace").count(SUBJECT) if log.exists() else 0


def wait_for_portal(url: str, seconds: float = 180) -> None:
    """`make demo` migrates and seeds before it serves: wait for its sign-in page."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{url}/accounts/login/", timeout=5)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def cloud_card(page):
    """The Bitbucket Cloud card: labelled "Bitbucket", unlike "Bitbucket Server"."""
    return page.locator("section.card.connection").filter(
        has=page.locator("h2", has_text=re.compile(r"^Bitbucket\s+on runner"))).first


def status_of(page) -> str:
    page.reload()
    badge = cloud_card(page).locator("[data-badge]")
    return badge.get_attribute("data-status") if badge.count() else ""


def wait_for_status(page, wanted: str, seconds: float) -> float | None:
    """Seconds until the card showed `wanted` (reloading every 2 s as a user would), or None."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if status_of(page) == wanted:
            return round(time.monotonic() - started, 1)
        page.wait_for_timeout(2000)
    return None


def shoot(page, shots: Path | None, name: str) -> None:
    if shots is None:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", default="http://127.0.0.1:8000")
    parser.add_argument("--demo-dir", type=Path, default=Path(".demo"))
    parser.add_argument("--sweep-seconds", type=float, default=60, help="the demo's verify sweep interval")
    parser.add_argument("--shots", type=Path, default=None, help="save screenshots (1280 and 390 px) here")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    # A sweep's verifies are spread over 10 s in the demo; allow for a slow shared machine on top.
    one_sweep = args.sweep_seconds + 10 + 30
    found: dict = {}
    wait_for_portal(args.portal)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(base_url=args.portal, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, ALICE)
        page.goto("/orgs/acme/connections/")
        # `make demo` configures repository access after the portal is up: wait for the card.
        deadline = time.monotonic() + 180
        while not cloud_card(page).count() and time.monotonic() < deadline:
            page.wait_for_timeout(2000)
            page.reload()
        card = cloud_card(page)
        if not card.locator("[data-badge]").count():
            with page.expect_popup() as popup_info:
                card.get_by_role("button", name="Connect", exact=True).click()
            popup = popup_info.value
            popup.wait_for_load_state()
            popup.get_by_role("button", name="Grant access").click()
            expect(page.locator("#connect-result")).to_have_text("Bitbucket is now connected")
        found["first_verify_s"] = wait_for_status(page, "active", one_sweep)
        emails_before = emails(args.demo_dir)
        shoot(page, args.shots, "demo-connections-active")

        cloud_card(page).get_by_role("button", name="Revoke this token at the emulator").click()
        page.wait_for_load_state()
        found["revoked_after_s"] = wait_for_status(page, "revoked", one_sweep)
        card = cloud_card(page)
        found["card_says"] = card.locator("[data-badge]").inner_text() if card.count() else ""
        banner = page.locator("#broken-connections")
        found["banner"] = banner.count() == 1 and banner.is_visible()
        found["banner_reconnect"] = banner.get_by_role("button", name="Reconnect").count() == 1
        page.wait_for_timeout(3000)  # the email goes out after the verify's transaction commits
        found["emails_after_revoke"] = emails(args.demo_dir) - emails_before
        shoot(page, args.shots, "demo-connections-revoked")
        page.goto("/orgs/acme/")
        found["banner_on_dashboard"] = page.locator("#broken-connections").get_by_role(
            "button", name="Reconnect").count() == 1

        # One more sweep: the same breakage is not told twice.
        page.wait_for_timeout(int(one_sweep * 1000))
        found["emails_after_next_sweep"] = emails(args.demo_dir) - emails_before

        operator = browser.new_context(base_url=args.portal, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(operator, OPERATOR)
        operator.fill("input[name=code]", totp(OPERATOR_TOTP_SECRET, time.time()))
        operator.get_by_role("button", name="Sign In").click()
        operator.goto("/admin/integrations/connection/health/")
        found["health_page_revoked_row"] = operator.get_by_text("Revoked").count() > 0
        shoot(operator, args.shots, "demo-health-page")
        browser.close()

    found["ok"] = bool(
        found["first_verify_s"] is not None and found["revoked_after_s"] is not None
        and found["card_says"] == "Revoked" and found["banner"] and found["banner_reconnect"]
        and found["banner_on_dashboard"] and found["emails_after_revoke"] == 1
        and found["emails_after_next_sweep"] == 1 and found["health_page_revoked_row"])
    print(json.dumps(found), flush=True)
    return 0 if found["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
