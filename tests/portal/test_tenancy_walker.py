"""Every URL of the project, as someone who must not get in.

Path parameters are filled with the *other* org's values (see tests/portal/walker.py and
OTHER_ORG_OBJECT_BUILDERS in tests/factories.py). A URL added later is walked automatically;
a new parameter name fails `test_every_path_parameter_is_registered` until it is registered.
"""

from __future__ import annotations

import pytest
from django.shortcuts import resolve_url
from django.test import override_settings

from portal.models import Membership, Organization
from tests.portal import walker
from tests.portal.leaky_urls import LeakyReceiverUrls, UnknownParameterUrls


@pytest.fixture
def login_url(settings) -> str:
    return resolve_url(settings.LOGIN_URL)


def _clients(route, user, client_for, api_client_for):
    """The web session for pages; for the API both a personal token and a browser session."""
    if route.is_api:
        return [("token", api_client_for(user), True), ("session", client_for(user), True)]
    return [("session", client_for(user), False)]


def _walk_as(user, world, routes, *, org_slug, client_for, api_client_for, login_url) -> list[str]:
    problems: list[str] = []
    for route in routes:
        try:
            values = walker.other_org_values(route, world, org_slug=org_slug)
        except walker.UnregisteredParameter as exc:
            problems.append(str(exc))
            continue
        url = route.url(values)
        if route.name in walker.SIGNED_BY_BODY:
            problems += walker.check_signed_by_body(client_for(user), route, url, world)
            continue
        for _, client, api in _clients(route, user, client_for, api_client_for):
            problems += walker.check_outsider(client, route, url, world, login_url, api=api)
    return problems


def test_the_walker_sees_the_project_routes():
    walked = {r.name for r in walker.walked_routes()}
    expected = {
        "org_dashboard", "org_settings", "org_delete", "org_activity", "member_list", "member_role",
        "member_remove", "invitation_revoke", "org_switch", "token_revoke", "invitation_accept",
        "api_org_list", "api_org_detail", "api_member_list", "api_member_detail", "api_invitation_list",
        "api_invitation_detail", "project_list", "project_detail", "delivery_detail", "delivery_redeliver",
        "api_project_list", "api_project_detail", "api_delivery_list", "webhook_receiver",
    }
    assert expected <= walked, f"the walker lost routes: {sorted(expected - walked)}"
    skipped = {r.template.split("/")[0] + "/" for r in walker.collect_routes() if walker.skip_reason(r)}
    assert {"admin/", "accounts/"} <= skipped
    assert not any(r.template.startswith(("admin/", "accounts/", "api/schema/")) for r in walker.walked_routes())


def test_every_path_parameter_is_registered():
    problems = walker.unregistered_parameters(walker.walked_routes())
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("who", ["owner of another org", "member of no org"])
def test_an_outsider_cannot_reach_the_other_org(world, who, client_for, api_client_for, login_url):
    user = world.a.owner if who == "owner of another org" else world.outsider
    counts = (Organization.objects.count(), Membership.objects.count())
    problems = _walk_as(user, world, walker.walked_routes(), org_slug=world.other.org.slug,
                        client_for=client_for, api_client_for=api_client_for, login_url=login_url)
    assert not problems, f"{len(problems)} tenancy problems:\n" + "\n".join(problems)
    assert (Organization.objects.count(), Membership.objects.count()) == counts


def test_own_org_slug_with_the_other_orgs_objects_is_404(world, client_for, api_client_for, login_url):
    """The owner of acme asks for globex's objects under /orgs/acme/: views must filter by org."""
    routes = [r for r in walker.walked_routes() if r.is_org_scoped and r.object_params]
    assert routes, "expected org routes with object parameters (members, invitations)"
    problems = _walk_as(world.a.owner, world, routes, org_slug=world.a.org.slug,
                        client_for=client_for, api_client_for=api_client_for, login_url=login_url)
    assert not problems, f"{len(problems)} tenancy problems:\n" + "\n".join(problems)


def test_anonymous_is_sent_to_login_or_gets_a_json_401(world, client, login_url):
    from rest_framework.test import APIClient

    problems: list[str] = []
    for route in walker.walked_routes():
        try:
            values = walker.other_org_values(route, world, org_slug=world.other.org.slug)
        except walker.UnregisteredParameter as exc:
            problems.append(str(exc))
            continue
        if route.name in walker.SIGNED_BY_BODY:
            problems += walker.check_signed_by_body(client, route, route.url(values), world)
            continue
        web_or_api = APIClient() if route.is_api else client
        problems += walker.check_anonymous(web_or_api, route, route.url(values), login_url, api=route.is_api)
    assert not problems, "\n".join(problems)


# The walker's own tests: it must catch what it claims to catch.


def test_the_walker_catches_views_that_skip_the_tenancy_check(world, client_for, api_client_for, login_url):
    with override_settings(ROOT_URLCONF="tests.portal.leaky_urls"):
        routes = walker.walked_routes()
        problems = _walk_as(world.a.owner, world, routes, org_slug=world.other.org.slug,
                            client_for=client_for, api_client_for=api_client_for, login_url=login_url)
        own_slug = _walk_as(world.a.owner, world, [r for r in routes if r.object_params],
                            org_slug=world.a.org.slug, client_for=client_for, api_client_for=api_client_for,
                            login_url=login_url)
    text = "\n".join(problems)
    assert "GET /orgs/globex/ [/orgs/<slug:org_slug>/ (leaky_dashboard)] answered 200" in text
    assert "showing the other org's data: ['Globex Corp']" in text
    assert not any("legacy_member" in p for p in problems + own_slug), "a correct view was reported"
    # Under its own slug the owner passes org_for_user, and the unfiltered delete removes globex's member.
    assert any("leaky_remove" in p and "portal.Membership: 6 -> 5 rows" in p for p in own_slug), own_slug


def test_the_walker_fills_regex_routes():
    with override_settings(ROOT_URLCONF="tests.portal.leaky_urls"):
        route = next(r for r in walker.collect_routes() if r.name == "legacy_member")
    assert route.params == ("org_slug", "membership_id")
    assert route.url({"org_slug": "globex", "membership_id": 7}) == "/legacy/globex/m/7.json"


def test_an_unknown_path_parameter_fails_with_instructions():
    with override_settings(ROOT_URLCONF=UnknownParameterUrls):
        problems = walker.unregistered_parameters(walker.walked_routes())
    assert len(problems) == 1
    assert "<widget_id>" in problems[0]
    assert "OTHER_ORG_OBJECT_BUILDERS['widget_id']" in problems[0]
    assert "tests/factories.py" in problems[0]


def test_a_lazily_registered_model_that_does_not_exist_says_so(world):
    from tests.factories import OTHER_ORG_OBJECT_BUILDERS, CannotBuild, _lazy_model_builder

    build = _lazy_model_builder("gadget_id", "portal.Gadget")
    with pytest.raises(CannotBuild, match=r"OTHER_ORG_OBJECT_BUILDERS\['gadget_id'\]"):
        build(world)
    for param in ("runner_id", "integration_id", "connection_id", "project_id", "delivery_id", "project_uuid"):
        assert param in OTHER_ORG_OBJECT_BUILDERS


def test_the_walker_catches_a_receiver_that_trusts_its_url(world, client):
    with override_settings(ROOT_URLCONF=LeakyReceiverUrls):
        [route] = walker.walked_routes()
        url = route.url(walker.other_org_values(route, world, org_slug=world.other.org.slug))
        problems = walker.check_signed_by_body(client, route, url, world)
    text = "\n".join(problems)
    assert "answered 202 to an unsigned request" in text
    assert "changed the database without a signature: projects.Project" in text
