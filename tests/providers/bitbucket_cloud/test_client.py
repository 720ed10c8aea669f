"""Bitbucket Cloud's client against the emulator over real sockets: identity, paging, workspaces, context
lookups, hooks."""

from __future__ import annotations

import pytest

from integrations.providers.http import (
    BasicCredentials,
    BearerToken,
    Forbidden,
    Gone,
    NotFound,
)
from tests.providers.accounts import CloudAccount, seed_cloud_repos


def test_identity_with_git_author_from_user_and_primary_confirmed_email(cloud: CloudAccount):
    client = cloud.client()
    assert client.current_user()["nickname"] == "alice"
    emails = {e["email"]: e for e in client.user_emails()}
    assert set(emails) == {"alice@example.com", "alice@old.example"}
    identity = client.identity()
    assert (identity.username, identity.git_author_name, identity.git_author_email) == (
        "alice", "Alice Archer", "alice@example.com")
    paths = [e.path for e in client.session.exchanges]
    assert "/2.0/user" in paths and "/2.0/user/emails" in paths


def test_identity_scopes_come_from_the_x_oauth_scopes_header(cloud: CloudAccount):
    identity = cloud.client().identity(token_scopes=["ignored-when-the-header-names-them"])
    assert set(identity.scopes) >= {"account", "email", "repository", "webhook"}


def test_without_the_email_scope_the_identity_stands_without_an_author_email(cloud: CloudAccount):
    identity = cloud.client(BearerToken(cloud.token_for("oauth", user="alice", scopes=["account"]))).identity()
    assert (identity.username, identity.git_author_email, identity.scopes) == ("alice", "", ("account",))


def test_access_token_has_no_user(cloud: CloudAccount):
    seed_cloud_repos(cloud.emulator, "acme", 1)
    token = cloud.token_for("repository_access_token", repository="acme/repo-00", scopes=["repository"])
    client = cloud.client(BearerToken(token))
    with pytest.raises(Forbidden):
        client.current_user()
    assert client.repository("acme", "repo-00")["full_name"] == "acme/repo-00"


def test_api_token_with_email_basic_auth(cloud: CloudAccount):
    token = cloud.token_for("api_token", user="alice")
    client = cloud.client(BasicCredentials("alice@example.com", token))
    assert client.current_user()["account_id"]


def test_repositories_follow_next_across_pages(cloud: CloudAccount):
    slugs = seed_cloud_repos(cloud.emulator, "acme", 7)
    cloud.emulator.control("DELETE", "/requests")
    repos = cloud.client().repositories("acme", pagelen=3)
    assert [r["slug"] for r in repos] == slugs
    pages = cloud.emulator.requests(path=r"^/2\.0/repositories/acme$")
    assert len(pages) == 3
    assert pages[0]["query"] == {"pagelen": "3", "role": "member"}


def test_pagelen_is_capped_at_100(cloud: CloudAccount):
    seed_cloud_repos(cloud.emulator, "acme", 1)
    cloud.emulator.control("DELETE", "/requests")
    cloud.client().repositories("acme", pagelen=500)
    assert cloud.emulator.requests(path=r"^/2\.0/repositories/acme$")[0]["query"]["pagelen"] == "100"


def test_workspaces_from_user_workspaces(cloud: CloudAccount):
    access = cloud.client().workspaces(pagelen=1)
    assert {(a["workspace"]["slug"], a["administrator"]) for a in access} == {("acme", True), ("globex", False)}


def test_removed_cross_workspace_endpoint_is_gone(cloud: CloudAccount):
    with pytest.raises(Gone) as info:
        cloud.client().session.get_json("/2.0/repositories")
    assert "CHANGE-2770" in str(info.value)
    assert info.value.status == 410


def test_context_lookups(cloud: CloudAccount):
    created = cloud.emulator.control(
        "POST",
        "/cloud/repositories",
        json={
            "workspace": "acme",
            "slug": "app",
            "branches": ["feature/login"],
            "pullrequests": [{"title": "Login", "source": "feature/login"}],
            "issues": [{"title": "Crash"}],
        },
    )
    client = cloud.client()
    assert client.repository("acme", "app")["full_name"] == "acme/app"
    branch = client.branch("acme", "app", "feature/login")
    assert branch["name"] == "feature/login"
    head = created["branches"]["feature/login"]
    assert branch["target"]["hash"] == head
    assert client.commit("acme", "app", head)["hash"] == head
    assert client.pull_request("acme", "app", 1)["title"] == "Login"
    assert client.issue("acme", "app", 1)["title"] == "Crash"
    with pytest.raises(NotFound) as info:
        client.repository("acme", "missing")
    assert info.value.status == 404


def test_hook_lifecycle_and_find_by_url(cloud: CloudAccount):
    seed_cloud_repos(cloud.emulator, "acme", 1)
    client = cloud.client()
    url = "https://portal.example/hooks/bitbucket/42"
    assert client.find_hook_by_url("acme", "repo-00", url) is None
    hook = client.create_hook("acme", "repo-00", url=url, events=["repo:push"], description="portal", secret="s" * 40)
    assert hook["secret_set"] is True and "secret" not in hook
    found = client.find_hook_by_url("acme", "repo-00", url + "/")
    assert found is not None and found["uuid"] == hook["uuid"]
    updated = client.update_hook("acme", "repo-00", hook["uuid"], events=["repo:push", "pullrequest:created"])
    assert set(updated["events"]) == {"repo:push", "pullrequest:created"}
    assert updated["secret_set"] is True  # updating events keeps the secret
    client.delete_hook("acme", "repo-00", hook["uuid"])
    assert client.hooks("acme", "repo-00") == []
    assert len(cloud.emulator.requests(path=r"/hooks$", method="POST")) == 1
