"""Two-factor authentication: staff always, owners and admins when their org's owner requires it; and the
admin's own login form no longer signs anyone in (finding F2: it had no rate limit and no second factor)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent
from tests.factories import DEMO_PASSWORD, give_totp, staff_with_mfa, totp_code

pytestmark = pytest.mark.django_db


def sign_in(email: str, next_url: str = "") -> tuple[Client, object]:
    client = Client()
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client, client.post(url, {"login": email, "password": DEMO_PASSWORD})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- F2: operators sign in through allauth ---------------------------------------------------


def test_the_admin_login_form_signs_nobody_in():
    staff = staff_with_mfa()
    client = Client()
    for _ in range(30):
        response = client.post("/admin/login/", {"username": staff.email, "password": "wrong-password-1"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert not signed_in(client)


def test_operators_get_allauths_limits():
    staff = staff_with_mfa()
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": "wrong-password-1"})
    response = client.post("/accounts/login/?next=/admin/", {"login": staff.email, "password": DEMO_PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)


def test_an_operator_signs_in_with_password_and_code_then_reaches_the_admin():
    staff = staff_with_mfa()
    client, response = sign_in(staff.email, "/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302 and signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_does_not_sign_in_and_is_recorded():
    staff = staff_with_mfa()
    client, _ = sign_in(staff.email)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code() != "000000" else "111111"})
    assert response.status_code == 200 and not signed_in(client)
    assert AuditEvent.objects.filter(action="auth.mfa_failed", target_label=staff.email).exists()


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client_for):
    from tests.factories import UserFactory

    staff = UserFactory(email="new-op@portal.example", is_staff=True, is_superuser=True)
    client = client_for(staff)
    for path in ("/admin/", "/settings/tokens/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index"), path
    page = client.get(reverse("mfa_index"), follow=True).content.decode()
    assert "Operators must use two-factor authentication" in page


# --- an org's requirement --------------------------------------------------------------------


def activate_totp(client: Client) -> None:
    """Through allauth's own pages, as a person with an authenticator app would: confirm the password
    (allauth asks again before a security change), read the secret off the page, enter the app's code."""
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": DEMO_PASSWORD})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    field = re.search(r'<input[^>]*id="authenticator_secret"[^>]*>', page).group(0)
    secret = re.search(r'value="([A-Z2-7]+)"', field).group(1)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]


def require(client: Client, org_slug: str, on: bool = True):
    return client.post(reverse("org_require_mfa", args=[org_slug]), {"require_mfa": "on"} if on else {}, follow=True)


def test_an_owner_must_have_a_second_factor_before_requiring_one(world, client_for):
    page = require(client_for(world.a.owner), "acme").content.decode()
    assert "Set up two-factor authentication for your own account first" in page
    world.a.org.refresh_from_db()
    assert world.a.org.require_mfa is False


def test_an_org_requires_it_of_owners_and_admins_only(world, client_for, api_client_for):
    owner = give_totp(world.a.owner)
    page = require(client_for(owner), "acme").content.decode()
    assert "Owners and admins must now use two-factor authentication" in page
    assert "admin@acme.example (admin)" in page  # the owner sees who has not set it up yet
    event = AuditEvent.objects.get(action="organization.mfa_requirement_changed")
    assert event.after == {"require_mfa": True} and event.actor == owner

    admin = client_for(world.a.admin)
    response = admin.get(reverse("org_dashboard", args=["acme"]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    assert "Acme Corp requires two-factor authentication" in admin.get(reverse("mfa_index")).content.decode()
    assert client_for(world.a.member).get(reverse("org_dashboard", args=["acme"])).status_code == 200
    api = api_client_for(world.a.admin).get("/api/v1/orgs/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "mfa_required"
    assert api_client_for(world.a.member).get("/api/v1/orgs/").status_code == 200
    # The admin of globex (no requirement) is not affected.
    assert client_for(world.b.admin).get(reverse("org_dashboard", args=["globex"])).status_code == 200


def test_the_admin_sets_it_up_and_carries_on(world, client_for, django_capture_on_commit_callbacks):
    require(client_for(give_totp(world.a.owner)), "acme")
    client, _ = sign_in(world.a.admin.email)
    assert client.get(reverse("org_dashboard", args=["acme"])).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals the new authenticator on commit
        activate_totp(client)
    assert client.get(reverse("org_dashboard", args=["acme"])).status_code == 200
    added = AuditEvent.objects.filter(action="mfa.authenticator_added", actor=world.a.admin)
    assert sorted(e.after["type"] for e in added) == ["recovery_codes", "totp"]  # allauth adds codes with the app


def test_turning_it_off_lets_them_in_again(world, client_for):
    owner_client = client_for(give_totp(world.a.owner))
    require(owner_client, "acme")
    require(owner_client, "acme", on=False)
    assert client_for(world.a.admin).get(reverse("org_dashboard", args=["acme"])).status_code == 200


def test_only_owners_change_it(world, client_for, api_client_for):
    give_totp(world.a.admin)
    assert client_for(world.a.admin).post(reverse("org_require_mfa", args=["acme"]),
                                          {"require_mfa": "on"}).status_code == 403
    response = api_client_for(world.a.admin).patch("/api/v1/orgs/acme/", {"require_mfa": True}, format="json")
    assert response.status_code == 403
    world.a.org.refresh_from_db()
    assert world.a.org.require_mfa is False


def test_an_owner_requires_it_through_the_api(world, api_client_for):
    give_totp(world.a.owner)
    response = api_client_for(world.a.owner).patch("/api/v1/orgs/acme/", {"require_mfa": True}, format="json")
    assert response.status_code == 200 and response.json()["require_mfa"] is True


def test_a_totp_secret_is_encrypted_at_rest(world):
    from allauth.mfa.models import Authenticator

    from tests.factories import TOTP_SECRET

    give_totp(world.a.owner)
    stored = Authenticator.objects.get(user=world.a.owner).data["secret"]
    assert TOTP_SECRET not in stored and stored.startswith("gAAAAA")  # a Fernet token
