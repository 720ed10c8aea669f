"""The members page with pending invitations in Chromium (issue 15 item 14): at 390 and 1280 px it fits,
and "Change role" and "Resend" say what they did. SCREENS_DIR saves screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.models import Invitation, Role
from tests.browser.conftest import sign_in
from tests.browser.screens import shoot
from tests.factories import InvitationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pending_invitations_fit_and_can_be_resent_or_changed(world, browser_context):
    InvitationFactory(organization=world.a.org, invited_by=world.a.owner, role=Role.ADMIN,
                      email="someone.with.a.rather.long.address@acme-subsidiary.example")
    InvitationFactory(organization=world.a.org, invited_by=world.a.owner, email="dan@new.example")
    page = browser_context.new_page()
    sign_in(page, world.a.owner.email)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/orgs/acme/members/")
        expect(page.locator("#invitations")).to_contain_text("dan@new.example")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the members page is {wide} px wide at {width} px"
        shoot(page, "members")
    row = page.locator("#invitations tr", has_text="dan@new.example")
    row.get_by_label("Role the invitation of dan@new.example gives").select_option("admin")
    row.get_by_role("button", name="Change role").click()
    expect(page.locator(".messages")).to_contain_text("dan@new.example will join as admin")
    page.locator("#invitations tr", has_text="dan@new.example").get_by_role("button", name="Resend").click()
    expect(page.locator(".messages")).to_contain_text("The earlier link no longer works")
    assert Invitation.objects.get(email="dan@new.example").role == Role.ADMIN
    shoot(page, "members-after-resend")
