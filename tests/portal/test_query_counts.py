"""Org pages cost the same number of queries with 1 row as with 200: one bound for both sizes.

The bounds leave a little room for the dashboard cards and nav links other apps add
(`_dashboard_extra.html`, `_org_nav_extra.html`); a per-row query would blow far past them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Role
from tests.factories import AuditEventFactory, InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

SIZES = [1, 200]
# One bound per page, whatever the size. Raise it only for a constant cost, never for a per-row one.
# Measured today: dashboard 5, members 7, activity 9 (its filters' choices are one more), API members 4
# (session, user, membership, count, page...).
BOUNDS = {"org_dashboard": 8, "member_list": 10, "org_activity": 10, "api_member_list": 6}


@pytest.fixture
def big_org(db):
    """`big_org(n)`: an org with n members (the first is the owner), n pending invitations and n events."""

    def build(n: int):
        org = OrganizationFactory(slug=f"big-{n}", name=f"Big Org {n}")
        owner = UserFactory(email=f"owner@big-{n}.example")
        MembershipFactory(organization=org, user=owner, role=Role.OWNER)
        for i in range(n - 1):
            MembershipFactory(organization=org, role=Role.ADMIN if i % 3 == 0 else Role.MEMBER)
        for i in range(n):
            InvitationFactory(organization=org, invited_by=owner, email=f"pending{i}@big-{n}.example")
            AuditEventFactory(organization=org, actor=owner, actor_label=owner.email, target_label=f"thing {i}",
                              before={"name": f"old {i}"}, after={"name": f"new {i}"})
        return org, owner

    return build


def _count(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("page", ["org_dashboard", "member_list", "org_activity"])
def test_org_pages_have_a_bounded_query_count(big_org, client_for, django_assert_max_num_queries, page, n):
    org, owner = big_org(n)
    client = client_for(owner)
    client.get(reverse(page, args=[org.slug]))  # warm up the session and content types
    with django_assert_max_num_queries(BOUNDS[page]):
        response = client.get(reverse(page, args=[org.slug]))
    assert response.status_code == 200
    if page == "member_list":
        assert response.content.decode().count('<tr class="invitation">') == min(n, 200)  # every one is listed
    if page == "org_activity":
        assert f"thing {n - 1}" in response.content.decode()


@pytest.mark.parametrize("n", SIZES)
def test_api_member_list_has_a_bounded_query_count(big_org, api_client_for, django_assert_max_num_queries, n):
    org, owner = big_org(n)
    client = api_client_for(owner)
    client.get(reverse("api_member_list", args=[org.slug]))
    with django_assert_max_num_queries(BOUNDS["api_member_list"]):
        response = client.get(reverse("api_member_list", args=[org.slug]))
    assert response.status_code == 200 and response.json()["count"] == n


@pytest.mark.parametrize("page", ["org_dashboard", "member_list", "org_activity"])
def test_the_count_does_not_grow_with_rows(big_org, client_for, page):
    """Stricter than the bound: 1 row and 200 rows cost exactly the same."""
    counts = {}
    for n in SIZES:
        org, owner = big_org(n)
        client = client_for(owner)
        client.get(reverse(page, args=[org.slug]))
        counts[n], response = _count(client, reverse(page, args=[org.slug]))
        assert response.status_code == 200
    assert counts[1] == counts[200], counts
