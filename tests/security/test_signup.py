"""Sign-up creates the user and their personal organization together, or nothing (finding F6)."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.models import Membership, Organization, User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-9471"


def sign_up(email: str):
    return Client().post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def test_a_local_part_longer_than_email_allows_is_a_form_error_and_nothing_is_created():
    email = "x" * 90 + "@example.test"
    response = sign_up(email)
    assert response.status_code == 200
    assert "at most 64 characters before the @" in response.content.decode()
    assert not User.objects.filter(email=email).exists()
    assert not Organization.objects.exists()


def test_the_longest_valid_local_part_gets_a_personal_org():
    email = "y" * 64 + "@example.test"
    assert sign_up(email).status_code == 302
    user = User.objects.get(email=email)
    org = Organization.objects.get(memberships__user=user)
    assert org.is_personal and len(org.name) <= 100 and org.name.endswith("(personal)")


@pytest.mark.parametrize("local", ["api", "admin", "new", "settings", "switch"])
def test_a_local_part_that_is_a_reserved_path_still_gets_an_org(local):
    """`api@...` once made the slug `api` (reserved): a 500, and a user without an organization."""
    email = f"{local}@example.test"
    assert sign_up(email).status_code == 302
    membership = Membership.objects.select_related("organization").get(user__email=email)
    assert membership.organization.slug != local and membership.role == "owner"


def test_every_user_who_signed_up_has_an_org():
    for email in ("a@example.test", "x" * 70 + "@example.test", "api@example.test", "b@example.test"):
        sign_up(email)
    assert User.objects.count() == 3
    assert not User.objects.filter(memberships__isnull=True).exists()
