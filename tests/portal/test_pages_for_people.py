"""What a new user meets outside the main flows (issue 15): portal-styled error pages, navigation that shows
only what the role can open, the org kept in the header on account pages, the favicon, the org-create
hint, the dashboard's Connections card, and the demo's settings."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse

from portal.errors import json_or_html_500
from tests.runners.conftest import create_runner

pytestmark = pytest.mark.django_db


def test_a_member_gets_a_styled_403_and_is_not_shown_the_links(world, client_for):
    client = client_for(world.a.member)
    dashboard = client.get(reverse("org_dashboard", args=["acme"])).content.decode()
    assert reverse("org_activity", args=["acme"]) not in dashboard
    assert reverse("org_settings", args=["acme"]) not in dashboard
    assert reverse("member_list", args=["acme"]) in dashboard

    response = client.get(reverse("org_activity", args=["acme"]))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'rel="stylesheet"' in html and "Not allowed" in html and world.a.member.email in html


def test_an_admin_is_shown_activity_and_settings(world, client_for):
    html = client_for(world.a.admin).get(reverse("org_dashboard", args=["acme"])).content.decode()
    assert f'href="{reverse("org_activity", args=["acme"])}"' in html
    assert f'href="{reverse("org_settings", args=["acme"])}"' in html


def test_404_is_the_portal_page_and_never_lists_url_patterns(world, client_for, settings):
    settings.DEBUG = False
    response = client_for(world.a.owner).get("/orgs/globex/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'rel="stylesheet"' in html
    assert "URLconf" not in html and "api/runner/v1/" not in html


def test_500_is_styled_and_needs_no_request_context(rf: RequestFactory):
    response = json_or_html_500(rf.get("/orgs/acme/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'rel="stylesheet"' in html


def test_the_demo_runs_with_debug_off():
    from scripts.demo import ENV

    assert ENV["DEBUG"] == "false"


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/favicon.svg")
    assert finders.find("favicon.svg")


def test_account_pages_keep_the_org_navigation(world, client_for):
    client = client_for(world.a.member)
    client.get(reverse("org_dashboard", args=["acme"]))
    html = client.get(reverse("token_list")).content.decode()
    assert f'href="{reverse("connection_list", args=["acme"])}"' in html


def test_a_user_without_an_org_sees_no_empty_switcher_and_a_real_hint(world, client_for):
    html = client_for(world.outsider).get(reverse("org_create")).content.decode()
    assert 'id="org-switch"' not in html
    assert "/orgs//" not in html and 'data-slug-preview="#id_slug"' in html
    assert 'data-slug-source="#id_slug"' in html


def test_the_dashboard_has_a_connections_card(world, client_for):
    html = client_for(world.a.member).get(reverse("org_dashboard", args=["acme"])).content.decode()
    assert f'class="card link-card" href="{reverse("connection_list", args=["acme"])}"' in html


def test_the_runner_page_says_when_an_unused_token_expires(world, client_for):
    runner, _ = create_runner(world.a.org, world.a.admin)
    html = client_for(world.a.admin).get(reverse("runner_detail", args=["acme", runner.pk])).content.decode()
    assert "An unused token expires in 23" in html and "from now" not in html
