"""Cloud REST 2.0 behaviour: paging, role filter, 410s, hooks, refs, PRs, issues, source."""

from __future__ import annotations

import json

from tests.emulator.openapi import PAYLOADS
from tests.emulator.seeded import CLOUD_REPOS, SeededEmulator


def test_paging_follows_next_across_pages(seeded: SeededEmulator):
    url, seen, pages = f"{seeded.cloud}/2.0/repositories/acme?pagelen=2&role=member", [], 0
    while url:
        page = seeded.get(url, seeded.alice_oauth).json()
        assert page["size"] == 5 and page["pagelen"] == 2
        seen += [repo["slug"] for repo in page["values"]]
        pages += 1
        url = page.get("next")
    assert pages == 3
    assert seen == CLOUD_REPOS


def test_pagelen_is_capped_at_100(seeded: SeededEmulator):
    page = seeded.get(f"{seeded.cloud}/2.0/repositories/acme?pagelen=500", seeded.alice_oauth).json()
    assert page["pagelen"] == 100
    assert "next" not in page


def test_role_filter(seeded: SeededEmulator):
    def slugs(token: str, role: str) -> list[str]:
        page = seeded.get(f"{seeded.cloud}/2.0/repositories/acme?role={role}&pagelen=100", token).json()
        return [repo["slug"] for repo in page["values"]]

    assert slugs(seeded.bob_oauth, "member") == CLOUD_REPOS
    assert slugs(seeded.bob_oauth, "contributor") == ["api"]
    assert slugs(seeded.bob_oauth, "admin") == []
    assert slugs(seeded.bob_oauth, "owner") == []
    assert slugs(seeded.alice_oauth, "owner") == CLOUD_REPOS
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme?role=boss", seeded.bob_oauth).status_code == 400


def test_user_workspaces(seeded: SeededEmulator):
    page = seeded.get(f"{seeded.cloud}/2.0/user/workspaces", seeded.bob_oauth).json()
    assert [(v["workspace"]["slug"], v["administrator"]) for v in page["values"]] == [("acme", False)]


def test_removed_cross_workspace_endpoints_answer_410(seeded: SeededEmulator):
    expected = json.loads((PAYLOADS / "cloud-error-410-change-2770.json").read_text())
    for path in ("/2.0/repositories", "/2.0/workspaces"):
        response = seeded.get(seeded.cloud + path, seeded.alice_oauth)
        assert response.status_code == 410
        assert response.json() == expected


def test_hook_lifecycle_never_echoes_the_secret(seeded: SeededEmulator):
    hooks = f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks"
    created = seeded.request("POST", hooks, seeded.alice_oauth, json={
        "description": "portal", "url": "https://portal.example/hooks/bb", "active": True,
        "secret": "top-secret-value", "events": ["repo:push", "pullrequest:created"]})
    assert created.status_code == 201
    hook = created.json()
    assert hook["secret_set"] is True
    assert "top-secret-value" not in created.text
    assert created.headers["Location"].endswith(hook["uuid"].replace("{", "%7B").replace("}", "%7D"))
    listed = seeded.get(hooks, seeded.alice_oauth).json()
    assert [h["uuid"] for h in listed["values"]] == [hook["uuid"]]
    assert "top-secret-value" not in json.dumps(listed)
    # Leaving the secret out of an update keeps it; null removes it.
    kept = seeded.request("PUT", f"{hooks}/{hook['uuid']}", seeded.alice_oauth, json={"description": "renamed"})
    assert kept.json()["secret_set"] is True and kept.json()["description"] == "renamed"
    cleared = seeded.request("PUT", f"{hooks}/{hook['uuid']}", seeded.alice_oauth, json={"secret": None})
    assert cleared.json()["secret_set"] is False
    assert seeded.request("DELETE", f"{hooks}/{hook['uuid']}", seeded.alice_oauth).status_code == 204
    assert seeded.get(f"{hooks}/{hook['uuid']}", seeded.alice_oauth).status_code == 404


def test_hook_validation(seeded: SeededEmulator):
    hooks = f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks"
    bad_event = seeded.request("POST", hooks, seeded.alice_oauth,
                              json={"url": "https://x.example/", "events": ["repo:pushed"]})
    assert bad_event.status_code == 400
    assert "events" in bad_event.json()["error"]["fields"]
    no_url = seeded.request("POST", hooks, seeded.alice_oauth, json={"events": ["repo:push"]})
    assert no_url.status_code == 400
    long_secret = seeded.request("POST", hooks, seeded.alice_oauth,
                                json={"url": "https://x.example/", "events": ["repo:push"], "secret": "s" * 129})
    assert long_secret.status_code == 400
    assert seeded.get(hooks, seeded.alice_oauth).json()["values"] == []


def test_hooks_need_repository_admin(seeded: SeededEmulator):
    response = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/api/hooks", seeded.bob_oauth)
    assert response.status_code == 403


def test_refs_commits_pullrequests_issues_resolve(seeded: SeededEmulator):
    base = f"{seeded.cloud}/2.0/repositories/acme/webapp"
    branch = seeded.get(f"{base}/refs/branches/feature/login", seeded.alice_oauth).json()
    head = branch["target"]["hash"]
    assert branch["name"] == "feature/login"
    commit = seeded.get(f"{base}/commit/{head[:12]}", seeded.alice_oauth).json()
    assert commit["hash"] == head
    history = seeded.get(f"{base}/commits/feature/login", seeded.alice_oauth).json()
    assert [c["hash"] for c in history["values"]][0] == head and len(history["values"]) == 2
    assert seeded.get(f"{base}/refs/tags/v1.0.0", seeded.alice_oauth).json()["name"] == "v1.0.0"
    pr = seeded.get(f"{base}/pullrequests/1", seeded.alice_oauth).json()
    assert (pr["source"]["branch"]["name"], pr["destination"]["branch"]["name"]) == ("feature/login", "main")
    assert pr["links"]["html"]["href"] == f"{seeded.cloud}/acme/webapp/pull-requests/1"
    assert seeded.get(f"{base}/pullrequests/99", seeded.alice_oauth).status_code == 404
    assert seeded.get(f"{base}/issues/1", seeded.alice_oauth).json()["title"] == "Broken button"
    assert seeded.get(f"{base}/refs/branches/nope", seeded.alice_oauth).status_code == 404
    assert seeded.get(f"{base}/commit/deadbeefdead", seeded.alice_oauth).status_code == 404


def test_source_files_and_directories(seeded: SeededEmulator):
    base = f"{seeded.cloud}/2.0/repositories/acme/webapp/src/main"
    readme = seeded.get(f"{base}/README.md", seeded.alice_oauth)
    assert readme.headers["Content-Type"].startswith("text/plain")
    assert readme.text.startswith("# webapp")
    meta = seeded.get(f"{base}/README.md?format=meta", seeded.alice_oauth).json()
    assert meta["type"] == "commit_file"
    root = seeded.get(f"{base}/", seeded.alice_oauth).json()
    assert [(v["type"], v["path"]) for v in root["values"]] == [
        ("commit_file", "README.md"), ("commit_directory", "docs"), ("commit_directory", "src")]
    assert seeded.get(f"{base}/missing.txt", seeded.alice_oauth).status_code == 404


def test_links_use_the_emulator_base_url(seeded: SeededEmulator):
    repo = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp", seeded.alice_oauth).json()
    assert repo["links"]["self"]["href"] == f"{seeded.cloud}/2.0/repositories/acme/webapp"
    assert repo["links"]["html"]["href"] == f"{seeded.cloud}/acme/webapp"
    assert repo["mainbranch"]["name"] == "main"
