"""Sign-up (allauth) gives a personal org; personal API tokens: shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import re

from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from portal.models import ApiToken, Membership, Organization, Role, User


def database_contains(value: str) -> list[str]:
    """Every model (of every installed app) whose rows mention `value`, as 'app.Model'."""
    found = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        if any(value in str(row) for row in model.objects.values_list(*fields)):
            found.append(model._meta.label)
    return found


def test_sign_up_creates_a_personal_org_owned_by_the_new_user(db, client):
    response = client.post(reverse("account_signup"), {
        "email": "newbie@example.test", "password1": "a-long-pass-1234", "password2": "a-long-pass-1234",
    })
    assert response.status_code == 302
    user = User.objects.get(email="newbie@example.test")
    membership = Membership.objects.select_related("organization").get(user=user)
    assert membership.role == Role.OWNER
    assert membership.organization.is_personal and membership.organization.slug == "newbie"
    # Signed in once the address is confirmed (tests/security/test_account_enumeration.py).
    assert response["Location"] == reverse("account_email_verification_sent")


def test_sign_up_picks_a_free_slug(world, client):
    client.post(reverse("account_signup"), {
        "email": "acme@elsewhere.example", "password1": "a-long-pass-1234", "password2": "a-long-pass-1234",
    })
    org = Organization.objects.get(memberships__user__email="acme@elsewhere.example")
    assert org.slug == "acme-2" and org.is_personal


def test_sign_up_with_bad_input_creates_nothing(db, client):
    for data in (
        {"email": "not-an-email", "password1": "a-long-pass-1234", "password2": "a-long-pass-1234"},
        {"email": "x@example.test", "password1": "short", "password2": "short"},
        {"email": "x@example.test", "password1": "a-long-pass-1234", "password2": "different-pass-987"},
        {"email": "x" * 5000 + "@example.test", "password1": "p" * 5000, "password2": "p" * 5000},
    ):
        response = client.post(reverse("account_signup"), data)
        assert response.status_code == 200, data
        assert response.context["form"].errors
    assert not User.objects.exists() and not Organization.objects.exists()


def test_sign_in_with_email_and_password(world, client):
    response = client.post(reverse("account_login"), {"login": "owner@acme.example", "password": "demo-pass-1234"})
    assert response.status_code == 302
    assert client.get(reverse("org_dashboard", args=["acme"])).status_code == 200


def test_api_token_is_shown_once_and_stored_hashed(world, client_for):
    client = client_for(world.a.owner)
    created = client.post(reverse("token_list"), {"name": "CI pipeline"})
    assert created.status_code == 302 and "pat_" not in created.content.decode()  # post/redirect/get
    response = client.get(created["Location"])
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    values = re.findall(r'value="(pat_[A-Za-z0-9_\-]+)"', response.content.decode())
    assert len(values) == 1
    value = values[0]
    token = ApiToken.objects.get(user=world.a.owner, name="CI pipeline")
    assert token.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert value.startswith(token.hint) and len(token.hint) < len(value) // 2
    assert database_contains(value) == []
    again = client.get(reverse("token_list")).content.decode()  # a reload
    assert value not in again and token.hint in again
    assert ApiToken.objects.filter(user=world.a.owner).count() == 1


def test_api_token_use_and_revoke(world, client_for):
    web = client_for(world.a.owner)
    page = web.post(reverse("token_list"), {"name": "CI"}, follow=True).content.decode()
    value = re.search(r'value="(pat_[^"]+)"', page)[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    response = api.get(reverse("api_org_list"))
    assert response.status_code == 200 and [o["slug"] for o in response.json()["results"]] == ["acme"]
    token = ApiToken.objects.get(name="CI")
    assert token.last_used_at is not None

    assert web.post(reverse("token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = api.get(reverse("api_org_list"))
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Invalid or revoked API token.",
                                         "fields": {}}}
    assert response["WWW-Authenticate"] == "Bearer"


def test_nobody_revokes_someone_elses_token(world, client_for, api_client_for):
    victim = api_client_for(world.b.owner)
    response = client_for(world.a.owner).post(reverse("token_revoke", args=[victim.token.pk]))
    assert response.status_code == 404
    victim.token.refresh_from_db()
    assert victim.token.revoked_at is None
    assert victim.get(reverse("api_org_list")).status_code == 200


def test_a_deactivated_users_token_stops_working(world, api_client_for):
    api = api_client_for(world.a.member)
    User.objects.filter(pk=world.a.member.pk).update(is_active=False)
    assert api.get(reverse("api_org_list")).status_code == 401


def test_token_names_are_validated(world, client_for):
    client = client_for(world.a.owner)
    for name in ("", "   ", "n" * 101, "bad\x00name"):
        response = client.post(reverse("token_list"), {"name": name})
        assert response.status_code == 200
        assert "name" in response.context["form"].errors, name
    assert not ApiToken.objects.exists()
