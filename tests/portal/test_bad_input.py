"""Bad input answers with the field named (form errors on the web, 400 + `fields` on the API); never a 500."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from portal.models import Invitation, Membership, Organization, Role

HUGE = "x" * 200_000


def fields_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]["fields"]


# ---------------------------------------------------------------------------------------------
# Web forms


@pytest.mark.parametrize("data, field, message", [
    ({"name": "Initech", "slug": "Bad Slug!"}, "slug", "lowercase letters"),
    ({"name": "Initech", "slug": "-initech"}, "slug", "lowercase letters"),
    ({"name": "Initech", "slug": "new"}, "slug", "reserved"),
    ({"name": "Initech", "slug": "switch"}, "slug", "reserved"),
    ({"name": "Initech", "slug": "globex"}, "slug", "taken"),
    ({"name": "Initech", "slug": "GLOBEX"}, "slug", "lowercase letters"),
    ({"name": "Initech", "slug": "s" * 51}, "slug", "at most 50"),
    ({"name": "", "slug": "initech"}, "name", "required"),
    ({"name": "n" * 101, "slug": "initech"}, "name", "at most 100"),
    ({"name": "null\x00byte", "slug": "initech"}, "name", "Null characters"),
    ({"name": HUGE, "slug": HUGE}, "slug", ""),
])
def test_web_org_create_names_the_bad_field(world, client_for, data, field, message):
    response = client_for(world.outsider).post(reverse("org_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert Organization.objects.count() == 2


@pytest.mark.parametrize("data, field", [
    ({"email": "not-an-email", "role": "member"}, "email"),
    ({"email": "", "role": "member"}, "email"),
    ({"email": "a@b.example", "role": "god"}, "role"),
    ({"email": "a@b.example"}, "role"),
    ({"email": HUGE + "@example.test", "role": "member"}, "email"),
])
def test_web_invite_names_the_bad_field(world, client_for, data, field):
    response = client_for(world.a.owner).post(reverse("member_list", args=["acme"]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "n" * 101])
def test_web_rename_names_the_field(world, client_for, name):
    response = client_for(world.a.owner).post(reverse("org_settings", args=["acme"]), {"name": name})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    world.a.org.refresh_from_db()
    assert world.a.org.name == "Acme Corp"


@pytest.mark.parametrize("role", ["god", "", "OWNER"])
def test_web_invalid_role_change_is_refused(world, client_for, role):
    target = world.a.membership("member")
    response = client_for(world.a.owner).post(reverse("member_role", args=["acme", target.pk]), {"role": role})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.MEMBER


@pytest.mark.parametrize("path", [
    "/orgs/acme/members/99999999999999999999999/remove/",
    "/orgs/acme/members/99999999999999999999999/role/",
    "/orgs/acme/invitations/99999999999999999999999/revoke/",
    "/settings/tokens/99999999999999999999999/revoke/",
    "/orgs/" + "a" * 5000 + "/",
    "/orgs/acme/members/?page=9999999",
    "/orgs/acme/members/?page=-1",
    "/orgs/acme/members/?page=%00",
    "/orgs/acme/activity/?page=abc",
    "/invitations/%00/",
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_web_odd_urls_are_never_a_500(world, client_for, path, method):
    response = getattr(client_for(world.a.owner), method)(path)
    assert response.status_code in (200, 302, 400, 404, 405), response.status_code


@pytest.mark.parametrize("body, content_type", [
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
    (b"--boundary\r\nnot really multipart", "multipart/form-data; boundary=boundary"),
    (b"{not json", "application/json"),
    (("email=" + "%" * 10_000).encode(), "application/x-www-form-urlencoded"),
    (b"email=a@b.example&email=c@d.example&role=member&role=owner", "application/x-www-form-urlencoded"),
])
@pytest.mark.parametrize("name, args", [
    ("org_create", []), ("org_switch", []), ("token_list", []), ("member_list", ["acme"]),
    ("org_settings", ["acme"]), ("org_delete", ["acme"]), ("member_role", ["acme", "MEMBER"]),
])
def test_web_garbage_bodies_are_never_a_500(world, client_for, body, content_type, name, args):
    args = [world.a.membership("member").pk if a == "MEMBER" else a for a in args]
    response = client_for(world.a.owner).generic("POST", reverse(name, args=args), body, content_type=content_type)
    assert response.status_code < 500
    assert Organization.objects.filter(slug="acme").exists()


# ---------------------------------------------------------------------------------------------
# API


@pytest.mark.parametrize("data, field", [
    ({"name": "Initech", "slug": "Bad Slug!"}, "slug"),
    ({"name": "Initech", "slug": "new"}, "slug"),
    ({"name": "Initech", "slug": "globex"}, "slug"),
    ({"name": "Initech", "slug": "GLOBEX"}, "slug"),
    ({"name": "Initech"}, "slug"),
    ({"slug": "initech"}, "name"),
    ({"name": "", "slug": "initech"}, "name"),
    ({"name": HUGE, "slug": "initech"}, "name"),
    ({"name": "Initech", "slug": HUGE}, "slug"),
    ({"name": "null\x00", "slug": "initech"}, "name"),
    ({"name": ["a", "list"], "slug": "initech"}, "name"),
    ({"name": {"an": "object"}, "slug": "initech"}, "name"),
    ({"name": "Initech", "slug": ["initech"]}, "slug"),
])
def test_api_org_create_names_the_bad_field(world, api_client_for, data, field):
    response = api_client_for(world.outsider).post(reverse("api_org_list"), data, format="json")
    assert response.status_code == 400
    assert field in fields_of(response)
    assert response.json()["error"]["code"] == "invalid"
    assert Organization.objects.count() == 2


@pytest.mark.parametrize("data, field", [
    ({"email": "not-an-email"}, "email"),
    ({"email": ""}, "email"),
    ({}, "email"),
    ({"email": "a@b.example", "role": "god"}, "role"),
    ({"email": "a@b.example", "role": None}, "role"),
    ({"email": HUGE + "@example.test"}, "email"),
])
def test_api_invite_names_the_bad_field(world, api_client_for, data, field):
    response = api_client_for(world.a.owner).post(reverse("api_invitation_list", args=["acme"]), data, format="json")
    assert response.status_code == 400
    assert field in fields_of(response)
    assert not Invitation.objects.exists()


def test_api_inviting_a_member_is_a_conflict_on_the_email_field(world, api_client_for):
    response = api_client_for(world.a.owner).post(reverse("api_invitation_list", args=["acme"]),
                                                  {"email": world.a.member.email}, format="json")
    assert response.status_code == 409
    assert fields_of(response) == {"email": ["Already a member."]}


@pytest.mark.parametrize("data", [{"role": "god"}, {"role": ""}, {}, {"role": ["owner"]}])
def test_api_invalid_role_names_the_field(world, api_client_for, data):
    target = world.a.membership("member")
    response = api_client_for(world.a.owner).patch(reverse("api_member_detail", args=["acme", target.pk]), data,
                                                   format="json")
    assert response.status_code == 400 and "role" in fields_of(response)
    target.refresh_from_db()
    assert target.role == Role.MEMBER


@pytest.mark.parametrize("data", [{"name": ""}, {"name": "   "}, {"name": "n" * 101}, {}, {"name": None}])
def test_api_invalid_rename_names_the_field(world, api_client_for, data):
    response = api_client_for(world.a.owner).patch(reverse("api_org_detail", args=["acme"]), data, format="json")
    assert response.status_code == 400 and "name" in fields_of(response)


GARBAGE = [
    (b"{not json", "application/json"),
    (b"\xff\xfe\xfa", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"just a string"', "application/json"),
    (b"null", "application/json"),
    (b"1e999999", "application/json"),
    (b"[" * 100_000, "application/json"),
    (b'{"name": "' + b"x" * 1_000_000 + b'"}', "application/json"),
    (b"<xml/>", "application/xml"),
    (b"name=&slug=&role=", "application/x-www-form-urlencoded"),
    (b"--b\r\nbroken", "multipart/form-data; boundary=b"),
]


@pytest.mark.parametrize("body, content_type", GARBAGE)
@pytest.mark.parametrize("method, name, args", [
    ("POST", "api_org_list", []),
    ("PATCH", "api_org_detail", ["acme"]),
    ("POST", "api_invitation_list", ["acme"]),
    ("PATCH", "api_member_detail", ["acme", "MEMBER"]),
])
def test_api_garbage_bodies_get_a_4xx_in_the_error_shape(world, api_client_for, body, content_type, method, name,
                                                         args):
    args = [world.a.membership("member").pk if a == "MEMBER" else a for a in args]
    client = api_client_for(world.a.owner)
    response = client.generic(method, reverse(name, args=args), body, content_type=content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    fields_of(response)
    assert Organization.objects.get(slug="acme").name == "Acme Corp"
    assert Membership.objects.get(pk=world.a.membership("member").pk).role == Role.MEMBER


@pytest.mark.parametrize("path", [
    "/api/v1/orgs/acme/members/99999999999999999999999/",
    "/api/v1/orgs/acme/invitations/99999999999999999999999/",
    "/api/v1/orgs/" + "a" * 5000 + "/",
    "/api/v1/orgs/acme/members/?page=abc",
    "/api/v1/orgs/acme/members/?page=99999",
])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_api_odd_urls_are_never_a_500(world, api_client_for, path, method):
    client = api_client_for(world.a.owner)
    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(path, data=json.dumps({"role": "admin"}), content_type="application/json")
    assert response.status_code < 500, response.status_code
    if response.status_code >= 400:
        fields_of(response)
