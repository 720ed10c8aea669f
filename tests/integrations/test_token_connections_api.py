"""Token connections over the API, checked over real HTTP against the emulator: every kind accepted with its
scopes, refused for each reason in the user's terms, never stored when refused, never echoed back."""

from __future__ import annotations

import logging

import pytest

from integrations.models import Connection
from integrations.models.connection import Status
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/connections/"


def post(client, integration, method, token, login="", **extra):
    body = {"integration": integration.pk, "method": method, "token": token, **extra}
    if login:
        body["login"] = login
    return client.post(URL, body, format="json")


def assert_refused(response, field, *words):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    text = " ".join(error["fields"][field]).lower()
    for word in words:
        assert word.lower() in text, text
    return error


# --- Bitbucket Cloud API tokens --------------------------------------------------------------------


def test_an_api_token_is_checked_stored_encrypted_and_never_echoed(token_world, api_client_for, caplog):
    tw = token_world
    token = tw.cloud_token("api_token")
    caplog.set_level(logging.DEBUG)

    response = post(api_client_for(tw.world.a.member), tw.cloud, "api-token", token, "alice@acme.example")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["method"] == "api-token" and body["status"] == "active" and body["shared"] is False
    assert body["username"] == "alice-bb" and body["git_author_name"] == "Alice Liddell"
    assert body["git_author_email"] == "alice@acme.example"
    assert "read:repository:bitbucket" in body["granted_scopes"] and body["missing_scopes"] == []
    assert body["reported_kind"] == "api_token" and body["expires_at"] is None
    assert any("every repository" in w for w in body["warnings"])
    assert token not in response.content.decode() and token not in caplog.text
    row = Connection.objects.get(pk=body["id"])
    assert row.access_token == token and token not in row.access_token_encrypted
    # Checked with HTTP Basic as the Atlassian email, before it was stored.
    assert tw.emulator.requests(path="^/2.0/user$")[0]["headers"]["Authorization"].startswith("Basic")
    event = AuditEvent.objects.get(action="connection.created")
    assert token not in str(event.before) + str(event.after) + event.target_label


def test_an_api_token_with_the_username_is_refused_before_any_request(token_world, api_client_for):
    tw = token_world
    response = post(api_client_for(tw.world.a.member), tw.cloud, "api-token", tw.cloud_token("api_token"), "alice-bb")

    assert_refused(response, "login", "Atlassian account email", "not your Bitbucket username")
    assert tw.emulator.requests(path="^/2.0/") == []
    assert not Connection.objects.exists()


def test_an_api_token_with_another_email_is_refused_naming_the_email(token_world, api_client_for):
    tw = token_world
    response = post(api_client_for(tw.world.a.member), tw.cloud, "api-token", tw.cloud_token("api_token"),
                    "bob@acme.example")

    error = assert_refused(response, "token", "Atlassian account email")
    assert error["code"] == "token_rejected" and "login" in error["fields"]
    assert not Connection.objects.exists()


@pytest.mark.parametrize(("action", "word"), [("revoke", "revoked"), ("expire", "expired")])
def test_a_revoked_or_expired_api_token_is_refused_saying_so(token_world, api_client_for, action, word):
    tw = token_world
    token = tw.cloud_token("api_token")
    tw.emulator.control("POST", f"/cloud/tokens/{action}", json={"token": token})

    error = assert_refused(post(api_client_for(tw.world.a.member), tw.cloud, "api-token", token,
                                "alice@acme.example"), "token", word)
    assert error["code"] == "token_rejected"


def test_an_api_token_without_the_repository_scope_names_it_and_why(token_world, api_client_for):
    tw = token_world
    token = tw.cloud_token("api_token", scopes=["read:user:bitbucket"])

    assert_refused(post(api_client_for(tw.world.a.member), tw.cloud, "api-token", token, "alice@acme.example"),
                   "token", "read:repository:bitbucket", "clone repositories")
    assert not Connection.objects.exists()


# --- app passwords (legacy) ------------------------------------------------------------------------


def test_an_app_password_works_with_a_warning_until_bitbucket_turns_them_off(token_world, api_client_for):
    tw = token_world
    password = tw.cloud_token("app_password", scopes=["account", "email", "repository", "pullrequest"])
    client = api_client_for(tw.world.a.member)

    accepted = post(client, tw.cloud, "app-password", password, "alice-bb")
    assert accepted.status_code == 201, accepted.content
    assert any("legacy" in w for w in accepted.json()["warnings"])

    tw.emulator.control("POST", "/cloud/settings", json={"app_passwords_disabled": True})
    Connection.objects.all().delete()
    assert_refused(post(client, tw.cloud, "app-password", password, "alice-bb"), "token",
                   "no longer accepts app passwords", "create an api token")
    assert not Connection.objects.exists()


# --- access tokens ---------------------------------------------------------------------------------


def test_a_repository_access_token_reaches_its_repository_only(token_world, api_client_for):
    tw = token_world
    token = tw.cloud_token("repository_access_token", repository="acme/webapp", scopes=["repository", "webhook"])

    body = post(api_client_for(tw.world.a.member), tw.cloud, "access-token", token, "acme/webapp").json()

    assert body["resource"] == "repository acme/webapp" and body["reported_kind"] == "repo_access_token"
    assert body["granted_scopes"] == ["repository", "webhook"]
    assert any("admin rights" in w for w in body["warnings"])
    assert not any("every repository" in w for w in body["warnings"])
    assert tw.emulator.requests(path="^/2.0/")[0]["headers"]["Authorization"].startswith("Bearer")


@pytest.mark.parametrize(("kind", "extra", "expected"), [
    ("workspace_access_token", {"workspace": "acme"}, "workspace acme"),
    ("project_access_token", {"workspace": "acme", "project": "PLAT"}, "project PLAT in acme"),
])
def test_project_and_workspace_access_tokens_say_what_they_reach(token_world, api_client_for, kind, extra, expected):
    tw = token_world
    token = tw.cloud_token(kind, scopes=["repository"], **extra)

    response = post(api_client_for(tw.world.a.member), tw.cloud, "access-token", token, "acme")

    assert response.status_code == 201, response.content
    assert response.json()["resource"] == expected


def test_an_access_token_for_a_repository_it_cannot_see_is_refused(token_world, api_client_for):
    tw = token_world
    token = tw.cloud_token("repository_access_token", repository="acme/webapp", scopes=["repository"])

    assert_refused(post(api_client_for(tw.world.a.member), tw.cloud, "access-token", token, "acme/api"), "token",
                   "cannot see acme/api")


# --- Bitbucket Server HTTP access tokens -----------------------------------------------------------


def test_a_personal_http_access_token_records_its_highest_permission(token_world, api_client_for):
    tw = token_world
    token = tw.server_token(permissions=["REPO_ADMIN"])

    body = post(api_client_for(tw.world.a.member), tw.server, "http-access-token", token, "alice").json()

    assert body["status"] == "active" and body["username"] == "alice"
    assert body["git_author_email"] == "alice@corp.example" and body["granted_scopes"] == ["REPO_ADMIN"]
    assert any("REPO_ADMIN" in w for w in body["warnings"]) and any("every repository" in w for w in body["warnings"])
    sent = [r["headers"].get("Authorization", "") for r in tw.emulator.requests(path="/rest/api/1.0/repos$")]
    assert sent[-1].startswith("Bearer")


def test_a_repository_http_access_token_needs_no_slug_and_names_its_repository(token_world, api_client_for):
    tw = token_world
    token = tw.server_token(level="repository", project="ACME", repository="backend", user=None)

    body = post(api_client_for(tw.world.a.member), tw.server, "http-access-token", token).json()

    assert body["resource"] == "repository ACME/backend" and body["granted_scopes"] == ["REPO_READ"]
    assert body["warnings"] == []


def test_a_server_token_of_someone_else_is_refused_naming_the_owner(token_world, api_client_for):
    tw = token_world
    assert_refused(post(api_client_for(tw.world.a.member), tw.server, "http-access-token", tw.server_token(),
                        "bob"), "login", "belongs to alice")


def test_a_server_older_than_7_14_refuses_http_access_tokens(token_world, api_client_for):
    tw = token_world
    token = tw.server_token()
    tw.emulator.control("POST", "/server/settings", json={"version": "7.13.2"})

    assert_refused(post(api_client_for(tw.world.a.member), tw.server, "http-access-token", token, "alice"),
                   "token", "runs 7.13.2", "7.14 or later")


def test_a_server_whose_links_point_at_localhost_is_refused(token_world, api_client_for):
    tw = token_world
    token = tw.server_token()
    tw.emulator.control("POST", "/server/settings", json={"misconfigured_base_url": True})

    assert_refused(post(api_client_for(tw.world.a.member), tw.server, "http-access-token", token, "alice"),
                   "token", "localhost", "Base URL")


def test_a_revoked_server_token_is_refused(token_world, api_client_for):
    tw = token_world
    token = tw.server_token()
    tw.emulator.control("POST", "/server/tokens/revoke", json={"token": token})

    assert_refused(post(api_client_for(tw.world.a.member), tw.server, "http-access-token", token, "alice"),
                   "token", "wrong, expired or revoked")


# --- unreachable provider, hostile input ----------------------------------------------------------


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 503}, {"kind": "drop"}])
def test_an_unreachable_provider_is_a_503_and_stores_nothing(token_world, api_client_for, fault):
    tw = token_world
    token = tw.cloud_token("api_token")
    tw.emulator.control("POST", "/faults", json={"path": "^/2.0/", **fault})

    response = post(api_client_for(tw.world.a.member), tw.cloud, "api-token", token, "alice@acme.example")

    assert response.status_code == 503 and response.json()["error"]["code"] == "provider_unreachable"
    assert token not in response.content.decode()
    assert not Connection.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"integration": None, "method": "api-token", "token": "x" * 20}, "integration"),
    ({"integration": "1", "method": "api-token", "token": "x" * 20}, "integration"),
    ({"integration": 999999, "method": "api-token", "token": "x" * 20, "login": "a@b.example"}, "integration"),
    ({"method": "oauth", "token": "x" * 20}, "method"),
    ({"method": "http-access-token", "token": "x" * 20}, "method"),
    ({"method": "api-token", "token": "has spaces in it", "login": "a@b.example"}, "token"),
    ({"method": "api-token", "token": "tok\nen-with-newline", "login": "a@b.example"}, "token"),
    ({"method": "api-token", "token": "x" * 5000, "login": "a@b.example"}, "token"),
    ({"method": "api-token", "token": "x" * 20, "login": "a:b@c.example"}, "login"),
    ({"method": "api-token", "token": "x" * 20}, "login"),
    ({"method": "api-token", "token": "x" * 20, "login": "a@b.example", "shared": "yes"}, "shared"),
    ({"method": "api-token", "token": "x" * 20, "login": "a@b.example", "secret": "1"}, "secret"),
    ({"method": "api-token", "token": 12345678, "login": "a@b.example"}, "token"),
])
def test_bad_input_is_a_400_naming_the_field(token_world, api_client_for, body, field):
    tw = token_world
    body.setdefault("integration", tw.cloud.pk)
    response = api_client_for(tw.world.a.member).post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert "x" * 20 not in response.content.decode()
    assert not Connection.objects.exists()


def test_tokens_turned_off_for_the_integration_are_refused(token_world, api_client_for):
    tw = token_world
    type(tw.cloud).objects.filter(pk=tw.cloud.pk).update(pat_enabled=False)

    assert_refused(post(api_client_for(tw.world.a.member), tw.cloud, "api-token", "x" * 20, "a@b.example"),
                   "integration", "turned off")


# --- shared credentials, visibility ---------------------------------------------------------------


def test_a_shared_token_shows_members_whose_it_is_and_nothing_more(token_world, api_client_for):
    tw, w = token_world, token_world.world
    token = tw.cloud_token("api_token")
    w.a.admin.first_name, w.a.admin.last_name = "Ada", "Admin"
    w.a.admin.save()
    created = post(api_client_for(w.a.admin), tw.cloud, "api-token", token, "alice@acme.example", shared=True)
    assert created.status_code == 201, created.content

    listed = api_client_for(w.a.member).get(URL).json()["results"]

    assert [c["id"] for c in listed] == [created.json()["id"]]
    shared = listed[0]
    assert shared["shared"] is True and shared["owner"] == "Ada Admin"
    assert shared["username"] == "" and shared["git_author_email"] == "" and token not in str(listed)


def test_only_admins_share_a_token(token_world, api_client_for):
    tw = token_world
    assert_refused(post(api_client_for(tw.world.a.member), tw.cloud, "api-token", tw.cloud_token("api_token"),
                        "alice@acme.example", shared=True), "shared", "org admins")


def test_members_see_their_own_connections_and_admins_may_ask_for_one_member(token_world, api_client_for):
    tw, w = token_world, token_world.world
    mine = post(api_client_for(w.a.member), tw.cloud, "api-token", tw.cloud_token("api_token"),
                "alice@acme.example").json()

    assert api_client_for(w.a.owner).get(URL).json()["results"] == []
    assert [c["id"] for c in api_client_for(w.a.admin).get(URL, {"user": w.a.member.pk}).json()["results"]] == \
        [mine["id"]]
    assert api_client_for(w.a.member).get(URL, {"user": w.a.admin.pk}).status_code == 403
    assert api_client_for(w.a.owner).get(f"{URL}{mine['id']}/").status_code == 200  # owner is an admin


@pytest.mark.parametrize("who", ["outsider", "other_org"])
def test_other_orgs_get_404_for_every_connection_url(token_world, api_client_for, who):
    tw, w = token_world, token_world.world
    mine = post(api_client_for(w.a.member), tw.cloud, "api-token", tw.cloud_token("api_token"),
                "alice@acme.example").json()
    client = api_client_for(w.outsider if who == "outsider" else w.b.owner)

    assert client.get(URL).status_code == 404
    assert client.post(URL, {}, format="json").status_code == 404
    for url in (f"{URL}{mine['id']}/", f"{URL}{mine['id']}/verify/"):
        assert client.get(url).status_code in (404, 405)
        assert client.post(url).status_code in (404, 405)
    assert client.delete(f"{URL}{mine['id']}/").status_code == 404
    assert Connection.objects.filter(pk=mine["id"]).exists()


def test_another_member_gets_404_for_my_connection(token_world, api_client_for):
    from portal.models import Role
    from tests.factories import MembershipFactory, UserFactory

    tw, w = token_world, token_world.world
    mine = post(api_client_for(w.a.member), tw.cloud, "api-token", tw.cloud_token("api_token"),
                "alice@acme.example").json()
    other = UserFactory(email="m2@acme.example")
    MembershipFactory(organization=w.a.org, user=other, role=Role.MEMBER)
    client = api_client_for(other)
    assert client.get(f"{URL}{mine['id']}/").status_code == 404
    assert client.delete(f"{URL}{mine['id']}/").status_code == 404


# --- verify and delete -----------------------------------------------------------------------------


def test_verify_rechecks_at_once_and_marks_a_revoked_token(token_world, api_client_for):
    tw = token_world
    token = tw.cloud_token("api_token")
    client = api_client_for(tw.world.a.member)
    created = post(client, tw.cloud, "api-token", token, "alice@acme.example").json()
    tw.emulator.control("POST", "/cloud/tokens/revoke", json={"token": token})

    verified = client.post(f"{URL}{created['id']}/verify/")

    assert verified.status_code == 200
    assert verified.json()["status"] == Status.REVOKED and "revoked" in verified.json()["last_error"]


def test_verify_while_the_provider_is_down_is_a_503_and_keeps_the_status(token_world, api_client_for):
    tw = token_world
    client = api_client_for(tw.world.a.member)
    created = post(client, tw.server, "http-access-token", tw.server_token(), "alice").json()
    tw.emulator.control("POST", "/faults", json={"path": "/rest/api/", "kind": "status", "status": 502})

    response = client.post(f"{URL}{created['id']}/verify/")

    assert response.status_code == 503 and response.json()["error"]["code"] == "provider_unreachable"
    assert Connection.objects.get(pk=created["id"]).status == Status.ACTIVE


def test_delete_removes_the_connection_and_is_audited(token_world, api_client_for):
    tw = token_world
    client = api_client_for(tw.world.a.member)
    created = post(client, tw.cloud, "api-token", tw.cloud_token("api_token"), "alice@acme.example").json()

    assert client.delete(f"{URL}{created['id']}/").status_code == 204
    assert not Connection.objects.exists()
    assert AuditEvent.objects.filter(action="connection.deleted").count() == 1


def test_a_member_cannot_delete_the_shared_token(token_world, api_client_for):
    tw, w = token_world, token_world.world
    created = post(api_client_for(w.a.admin), tw.cloud, "api-token", tw.cloud_token("api_token"),
                   "alice@acme.example", shared=True).json()

    assert api_client_for(w.a.member).delete(f"{URL}{created['id']}/").status_code == 403
    assert Connection.objects.filter(pk=created["id"]).exists()
