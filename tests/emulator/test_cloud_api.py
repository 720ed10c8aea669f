"""Cloud REST 2.0 behaviour: paging, role filter, 410s, hooks, refs, PRs, issues, source."""

from __future__ import annotations

import json

from tests.emulator.openapi import PAYLOADS
from tests.emulator.world import CLOUD_REPOS, World


def test_paging_follows_next_across_pages(world: World):
    url, seen, pages = f"{world.cloud}/2.0/repositories/acme?pagelen=2&role=member", [], 0
    while url:
        page = world.get(url, world.alice_oauth).json()
        assert page["size"] == 5 and page["pagelen"] == 2
        seen += [repo["slug"] for repo in page["values"]]
        pages += 1
        url = page.get("next")
    assert pages == 3
    assert seen == CLOUD_REPOS


def test_pagelen_is_capped_at_100(world: World):
    page = world.get(f"{world.cloud}/2.0/repositories/acme?pagelen=500", world.alice_oauth).json()
    assert page["pagelen"] == 100
    assert "next" not in page


def test_role_filter(world: World):
    def slugs(token: str, role: str) -> list[str]:
        page = world.get(f"{world.cloud}/2.0/repositories/acme?role={role}&pagelen=100", token).json()
        return [repo["slug"] for repo in page["values"]]

    assert slugs(world.bob_oauth, "member") == CLOUD_REPOS
    assert slugs(world.bob_oauth, "contributor") == ["api"]
    assert slugs(world.bob_oauth, "admin") == []
    assert slugs(world.bob_oauth, "owner") == []
    assert slugs(world.alice_oauth, "owner") == CLOUD_REPOS
    assert world.get(f"{world.cloud}/2.0/repositories/acme?role=boss", world.bob_oauth).status_code == 400


def test_user_workspaces(world: World):
    page = world.get(f"{world.cloud}/2.0/user/workspaces", world.bob_oauth).json()
    assert [(v["workspace"]["slug"], v["administrator"]) for v in page["values"]] == [("acme", False)]


def test_removed_cross_workspace_endpoints_answer_410(world: World):
    expected = json.loads((PAYLOADS / "cloud-error-410-change-2770.json").read_text())
    for path in ("/2.0/repositories", "/2.0/workspaces"):
        response = world.get(world.cloud + path, world.alice_oauth)
        assert response.status_code == 410
        assert response.json() == expected


def test_hook_lifecycle_never_echoes_the_secret(world: World):
    hooks = f"{world.cloud}/2.0/repositories/acme/webapp/hooks"
    created = world.request("POST", hooks, world.alice_oauth, json={
        "description": "portal", "url": "https://portal.example/hooks/bb", "active": True,
        "secret": "top-secret-value", "events": ["repo:push", "pullrequest:created"]})
    assert created.status_code == 201
    hook = created.json()
    assert hook["secret_set"] is True
    assert "top-secret-value" not in created.text
    assert created.headers["Location"].endswith(hook["uuid"].replace("{", "%7B").replace("}", "%7D"))
    listed = world.get(hooks, world.alice_oauth).json()
    assert [h["uuid"] for h in listed["values"]] == [hook["uuid"]]
    assert "top-secret-value" not in json.dumps(listed)
    # Leaving the secret out of an update keeps it; null removes it.
    kept = world.request("PUT", f"{hooks}/{hook['uuid']}", world.alice_oauth, json={"description": "renamed"})
    assert kept.json()["secret_set"] is True and kept.json()["description"] == "renamed"
    cleared = world.request("PUT", f"{hooks}/{hook['uuid']}", world.alice_oauth, json={"secret": None})
    assert cleared.json()["secret_set"] is False
    assert world.request("DELETE", f"{hooks}/{hook['uuid']}", world.alice_oauth).status_code == 204
    assert world.get(f"{hooks}/{hook['uuid']}", world.alice_oauth).status_code == 404


def test_hook_validation(world: World):
    hooks = f"{world.cloud}/2.0/repositories/acme/webapp/hooks"
    bad_event = world.request("POST", hooks, world.alice_oauth,
                              json={"url": "https://x.example/", "events": ["repo:pushed"]})
    assert bad_event.status_code == 400
    assert "events" in bad_event.json()["error"]["fields"]
    no_url = world.request("POST", hooks, world.alice_oauth, json={"events": ["repo:push"]})
    assert no_url.status_code == 400
    long_secret = world.request("POST", hooks, world.alice_oauth,
                                json={"url": "https://x.example/", "events": ["repo:push"], "secret": "s" * 129})
    assert long_secret.status_code == 400
    assert world.get(hooks, world.alice_oauth).json()["values"] == []


def test_hooks_need_repository_admin(world: World):
    response = world.get(f"{world.cloud}/2.0/repositories/acme/api/hooks", world.bob_oauth)
    assert response.status_code == 403


def test_refs_commits_pullrequests_issues_resolve(world: World):
    base = f"{world.cloud}/2.0/repositories/acme/webapp"
    branch = world.get(f"{base}/refs/branches/feature/login", world.alice_oauth).json()
    head = branch["target"]["hash"]
    assert branch["name"] == "feature/login"
    commit = world.get(f"{base}/commit/{head[:12]}", world.alice_oauth).json()
    assert commit["hash"] == head
    history = world.get(f"{base}/commits/feature/login", world.alice_oauth).json()
    assert [c["hash"] for c in history["values"]][0] == head and len(history["values"]) == 2
    assert world.get(f"{base}/refs/tags/v1.0.0", world.alice_oauth).json()["name"] == "v1.0.0"
    pr = world.get(f"{base}/pullrequests/1", world.alice_oauth).json()
    assert (pr["source"]["branch"]["name"], pr["destination"]["branch"]["name"]) == ("feature/login", "main")
    assert pr["links"]["html"]["href"] == f"{world.cloud}/acme/webapp/pull-requests/1"
    assert world.get(f"{base}/pullrequests/99", world.alice_oauth).status_code == 404
    assert world.get(f"{base}/issues/1", world.alice_oauth).json()["title"] == "Broken button"
    assert world.get(f"{base}/refs/branches/nope", world.alice_oauth).status_code == 404
    assert world.get(f"{base}/commit/deadbeefdead", world.alice_oauth).status_code == 404


def test_source_files_and_directories(world: World):
    base = f"{world.cloud}/2.0/repositories/acme/webapp/src/main"
    readme = world.get(f"{base}/README.md", world.alice_oauth)
    assert readme.headers["Content-Type"].startswith("text/plain")
    assert readme.text.startswith("# webapp")
    meta = world.get(f"{base}/README.md?format=meta", world.alice_oauth).json()
    assert meta["type"] == "commit_file"
    root = world.get(f"{base}/", world.alice_oauth).json()
    assert [(v["type"], v["path"]) for v in root["values"]] == [
        ("commit_file", "README.md"), ("commit_directory", "docs"), ("commit_directory", "src")]
    assert world.get(f"{base}/missing.txt", world.alice_oauth).status_code == 404


def test_links_use_the_emulator_base_url(world: World):
    repo = world.get(f"{world.cloud}/2.0/repositories/acme/webapp", world.alice_oauth).json()
    assert repo["links"]["self"]["href"] == f"{world.cloud}/2.0/repositories/acme/webapp"
    assert repo["links"]["html"]["href"] == f"{world.cloud}/acme/webapp"
    assert repo["mainbranch"]["name"] == "main"
