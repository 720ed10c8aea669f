"""Signing in with a second factor in Chromium, under the Content-Security-Policy: an authenticator app's
code, and a security key (Chromium's virtual WebAuthn authenticator), then the admin for an operator."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.browser.conftest import csp_violations
from tests.factories import DEMO_PASSWORD, staff_with_mfa, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, email: str, next_url: str = "") -> None:
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_an_operator_signs_in_with_an_authenticator_code_and_opens_the_admin(live_server, watched):
    page = watched
    staff = staff_with_mfa()
    password_step(page, staff.email, "/admin/")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.fill("input[name=code]", totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("#site-name")).to_contain_text("Django administration")
    page.goto("/admin/portal/organization/add/")  # a form page: the admin's scripts and widgets
    expect(page.locator("#organization_form")).to_be_visible()
    page.goto("/admin/portal/auditevent/")
    expect(page.locator("#changelist")).to_be_visible()
    assert csp_violations(page) == []


def test_a_user_adds_a_security_key_and_signs_in_with_it(world, live_server, watched):
    page = watched
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    user = world.a.owner
    password_step(page, user.email)
    expect(page.locator("header .who")).to_have_text(user.email)

    page.goto("/accounts/2fa/webauthn/add/")
    page.fill("input[name=password]", DEMO_PASSWORD)  # allauth asks again before a security change
    page.get_by_role("button", name="Confirm").click()
    page.fill("input[name=name]", "YubiKey on my desk")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Security key added.")).to_be_visible()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    page.locator("header .account-menu summary").click()  # Sign out sits in the account menu
    page.get_by_role("button", name="Sign out").click()
    password_step(page, user.email)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_role("button", name="Use a security key").click()
    expect(page.locator("header .who")).to_have_text(user.email)
    assert csp_violations(page) == []
