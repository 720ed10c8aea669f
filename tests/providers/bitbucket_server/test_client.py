"""Bitbucket Server's client against the emulator over real sockets: properties, identity, paging, projects,
context lookups, webhooks, a misconfigured Base URL."""

from __future__ import annotations

import pytest

from integrations.providers.bitbucket_server.client import BitbucketServerClient, parse_version
from integrations.providers.http import (
    BasicCredentials,
    NotFound,
    Unauthorized,
)
from tests.providers.accounts import ServerAccount, seed_server_repos


def test_application_properties_are_fetched_without_credentials(server: ServerAccount):
    server.emulator.control("POST", "/server/settings", json={"version": "9.4.2"})
    server.emulator.control("DELETE", "/requests")
    client = server.client()
    props = client.application_properties()
    assert props["displayName"] == "Bitbucket" and props["buildNumber"]
    assert parse_version(props["version"]) == (9, 4, 2)
    logged = server.emulator.requests(path="application-properties")
    assert logged and all("Authorization" not in entry["headers"] for entry in logged)


def test_current_username_from_x_ausername(server: ServerAccount):
    bearer = server.client()
    assert bearer.current_username() == "bob"
    basic = server.client(BasicCredentials("bob", server.token))
    assert basic.current_username() == "bob"
    anonymous = BitbucketServerClient(server.emulator.server_url)
    assert anonymous.current_username() is None


def test_identity_and_git_author_from_user_resource(server: ServerAccount):
    identity = server.client().identity(token_scopes=["REPO_ADMIN"])
    assert (identity.username, identity.git_author_name, identity.git_author_email) == (
        "bob", "Bob Builder", "bob@example.com")
    assert identity.scopes == ("REPO_ADMIN",)  # Server names no scopes on API answers: the token response's


def test_an_anonymous_answer_is_no_identity(server: ServerAccount):
    with pytest.raises(Unauthorized):
        BitbucketServerClient(server.emulator.server_url).identity()


def test_repositories_page_with_start_and_limit(server: ServerAccount):
    slugs = seed_server_repos(server.emulator, "PRJ", 7)
    server.emulator.control("DELETE", "/requests")
    repos = server.client().repositories(limit=3)
    assert [r["slug"] for r in repos] == slugs
    pages = server.emulator.requests(path=r"/rest/api/1\.0/repos$")
    assert [p["query"]["start"] for p in pages] == ["0", "3", "6"]
    assert all(p["query"]["permission"] == "REPO_READ" for p in pages)


def test_projects_and_project_filter(server: ServerAccount):
    server.emulator.control("POST", "/server/projects", json={"key": "OPS", "permissions": {"bob": "PROJECT_READ"}})
    seed_server_repos(server.emulator, "PRJ", 2)
    server.emulator.control("POST", "/server/repositories", json={"project": "OPS", "slug": "infra"})
    client = server.client()
    assert {p["key"] for p in client.projects(limit=1)} >= {"PRJ", "OPS"}
    assert [r["slug"] for r in client.repositories(project_key="OPS")] == ["infra"]


def test_personal_project_repository(server: ServerAccount):
    server.emulator.control("POST", "/server/repositories", json={"project": "~bob", "slug": "dotfiles"})
    repo = server.client().repository("~bob", "dotfiles")
    assert repo["slug"] == "dotfiles"
    assert repo["project"]["key"].lower() == "~bob"


def test_context_lookups(server: ServerAccount):
    created = server.emulator.control(
        "POST",
        "/server/repositories",
        json={
            "project": "PRJ",
            "slug": "app",
            "branches": ["feature/x"],
            "pull_requests": [{"title": "Feature X", "source": "feature/x"}],
        },
    )
    client = server.client()
    names = {b["displayId"] for b in client.branches("PRJ", "app", limit=1)}
    assert names == {"master", "feature/x"}
    head = created["branches"]["feature/x"]
    assert client.commit("PRJ", "app", head)["id"] == head
    assert client.pull_request("PRJ", "app", 1)["title"] == "Feature X"
    with pytest.raises(NotFound):
        client.pull_request("PRJ", "app", 99)


def test_webhook_lifecycle_and_find_by_url(server: ServerAccount):
    seed_server_repos(server.emulator, "PRJ", 1)
    client = server.client()
    url = "https://portal.example/hooks/bbs/7"
    assert client.find_webhook_by_url("PRJ", "svc-00", url) is None
    hook = client.create_webhook("PRJ", "svc-00", name="portal", url=url, events=["repo:refs_changed"], secret="x" * 32)
    assert client.find_webhook_by_url("PRJ", "svc-00", url)["id"] == hook["id"]
    updated = client.update_webhook("PRJ", "svc-00", hook["id"], events=["repo:refs_changed", "pr:opened"])
    assert set(updated["events"]) == {"repo:refs_changed", "pr:opened"}
    client.delete_webhook("PRJ", "svc-00", hook["id"])
    assert client.webhooks("PRJ", "svc-00") == []
    created = server.emulator.requests(path=r"/webhooks$", method="POST")
    assert len(created) == 1
    assert created[0]["json"]["configuration"]["secret"] == "***"  # sent, and redacted in the log


def test_misconfigured_base_url_is_detected(server: ServerAccount):
    seed_server_repos(server.emulator, "PRJ", 1)
    client = server.client()
    assert client.detect_misconfigured_base_url(client.repository("PRJ", "svc-00")) is False
    server.emulator.control("POST", "/server/settings", json={"misconfigured_base_url": True})
    assert client.detect_misconfigured_base_url(client.repository("PRJ", "svc-00")) is True
    assert client.detect_misconfigured_base_url(client.repositories()) is True
    # Reached at localhost itself, localhost links are simply right.
    local = BitbucketServerClient("http://localhost:7990/bitbucket")
    assert local.detect_misconfigured_base_url({"links": {"self": [{"href": "http://localhost:7990/x"}]}}) is False
