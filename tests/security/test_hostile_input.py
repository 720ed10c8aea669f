"""The 500s a hostile client could cause (finding F7): each is now a 4xx with a message."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from portal.models import Invitation

pytestmark = pytest.mark.django_db

THREE_MB = 3 * 1024 * 1024


def test_a_web_invitation_for_an_address_longer_than_254_characters_is_a_form_error(world, client_for):
    email = "a" * 60 + "@" + ("b" * 60 + ".") * 4 + "com"  # 309 characters: EmailField allows 320
    response = client_for(world.a.admin).post("/orgs/acme/members/", {"email": email, "role": "member"})
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("path", ["/api/runner/v1/register", "/api/v1/orgs/", "/api/v1/orgs/acme/invitations/"])
def test_an_api_body_over_the_limit_is_a_413_in_the_error_shape(world, api_client_for, path):
    client = api_client_for(world.a.admin)
    body = json.dumps({"registration_token": "x" * THREE_MB, "name": "x", "slug": "x"})
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and "2.5 MB" in error["message"] and error["fields"] == {}


def test_the_unauthenticated_registration_answers_413_too():
    response = Client().post("/api/runner/v1/register", json.dumps({"registration_token": "x" * THREE_MB}),
                             content_type="application/json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_a_web_form_over_the_limit_is_a_413(world, client_for):
    response = client_for(world.a.admin).post("/orgs/acme/members/", {"email": "x" * THREE_MB})
    assert response.status_code == 413


def test_a_nul_character_in_the_org_switcher_is_a_404_not_a_database_error(world, client_for):
    assert client_for(world.a.owner).post("/orgs/switch/", {"org": "ac\x00me"}).status_code == 404


@pytest.mark.parametrize(("method", "path", "data"), [
    ("post", "/accounts/scm/ab%00cd/login/", {"process": "connect"}),
    ("get", "/accounts/scm/ab%00cd/login/callback/", {"state": "x", "code": "y"}),
    ("get", "/accounts/scm/abcd/login/callback/", {"state": "x\x00", "code": "y"}),
    ("get", "/orgs/acme/activity/", {"page": "1\x00"}),
])
def test_a_nul_character_is_a_400_not_a_database_error(world, client_for, method, path, data):
    response = getattr(client_for(world.a.owner), method)(path, data)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_character_in_an_api_query_is_a_400_in_the_error_shape(world, api_client_for):
    response = api_client_for(world.a.admin).get("/api/v1/orgs/", {"page": "\x00"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_ordinary_requests_still_pass(world, client_for):
    client = client_for(world.a.owner)
    assert client.post("/orgs/switch/", {"org": "acme"}).status_code == 302
    assert client.get("/orgs/acme/activity/", {"page": "1"}).status_code == 200
