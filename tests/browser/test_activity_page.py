"""The Activity page in Chromium (issue 15 items 8 and 12): diffs in words and the filters fit a phone's
390 px and a laptop's 1280 px; choosing a filter narrows the table. SCREENS_DIR saves screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.audit import audit_record
from tests.browser.conftest import sign_in
from tests.browser.screens import shoot
from tests.factories import AuditEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 1280]


@pytest.fixture
def trail(world):
    org, admin = world.a.org, world.a.admin
    whole = {"provider": "bitbucket-server", "host": "https://bitbucket.internal.example.com/a/rather/long/context/path",
             "oauth_enabled": False, "pat_enabled": True, "client_id": "a-very-long-client-id-" + "x" * 60,
             "client_secret_set": True, "optional_scopes": ["PROJECT_ADMIN"], "options": {}}
    # A row in the shape written before the diff: whole objects, the secret marker on every save.
    AuditEventFactory(organization=org, actor=admin, actor_label=admin.email, action="integration.updated",
                      target_type="integrations.scmintegration", target_id="41",
                      target_label="Bitbucket Server on a-runner-with-a-long-name",
                      before=whole, after={**whole, "oauth_enabled": True, "secret_replaced": "[redacted]"})
    audit_record(organization=org, actor=admin, action="integration.updated", target=org,
                 target_label="Bitbucket Cloud on acme-aws", before={"client_secret_set": True},
                 after={"client_secret_set": True, "client_secret_replaced": True})
    audit_record(organization=org, actor=world.a.owner, action="organization.updated", target=org,
                 before={"name": "Acme"}, after={"name": "Acme Corporation International Holdings"})
    audit_record(organization=org, actor=world.a.owner, action="membership.role_changed",
                 target=world.a.membership("member"),
                 target_label="someone.with.a.long.address@acme-subsidiary.example",
                 before={"role": "member"}, after={"role": "admin"})


def test_the_activity_fits_and_filters_at_both_widths(world, trail, browser_context):
    page = browser_context.new_page()
    sign_in(page, world.a.owner.email)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/orgs/acme/activity/")
        table = page.locator("#activity")
        expect(table).to_contain_text("OAuth: off → on")
        expect(table).to_contain_text("Client secret: replaced")
        expect(table).to_contain_text("Role: Member → Admin")
        expect(table).not_to_contain_text("redacted")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the Activity page is {wide} px wide at {width} px"
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        shoot(page, "activity")

        page.select_option("#id_action", "organization.updated")
        page.get_by_role("button", name="Filter").click()
        expect(table).to_contain_text("Name: Acme → Acme Corporation International Holdings")
        expect(table).not_to_contain_text("OAuth")
        expect(page.get_by_role("link", name="Clear")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, "activity-filtered")
