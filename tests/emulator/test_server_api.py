"""Server REST 1.0 behaviour: paging, X-AUSERNAME, tokens and permissions, webhooks, base URL switch."""

from __future__ import annotations

import httpx

from tests.emulator.seeded import SeededEmulator


def _token(seeded: SeededEmulator, **body) -> str:
    return seeded.emulator.control("POST", "/server/tokens", json=body)["token"]


def test_application_properties_need_no_auth_and_follow_the_version_setting(seeded: SeededEmulator):
    url = f"{seeded.server}/rest/api/1.0/application-properties"
    anonymous = httpx.get(url)
    assert anonymous.status_code == 200
    assert anonymous.json()["version"] == "8.19.1"
    assert "X-AUSERNAME" not in anonymous.headers
    seeded.emulator.control("POST", "/server/settings", json={"version": "9.2.3"})
    assert httpx.get(url).json() | {"buildDate": ""} == {"version": "9.2.3", "buildNumber": "9002003",
                                                         "buildDate": "", "displayName": "Bitbucket"}


def test_paging_with_start_and_limit(seeded: SeededEmulator):
    seen, start, pages = [], 0, 0
    while True:
        page = seeded.get(f"{seeded.server}/rest/api/1.0/repos?limit=2&start={start}", seeded.server_admin_token).json()
        seen += [f"{r['project']['key']}/{r['slug']}" for r in page["values"]]
        pages += 1
        assert page["limit"] == 2 and page["size"] == len(page["values"])
        if page["isLastPage"]:
            assert "nextPageStart" not in page
            break
        start = page["nextPageStart"]
    assert pages == 2
    assert seen == ["ACME/backend", "ACME/frontend", "ACME/tools", "~ALICE/notes"]


def test_authenticated_responses_carry_x_ausername(seeded: SeededEmulator):
    response = seeded.get(f"{seeded.server}/rest/api/1.0/projects", seeded.server_admin_token)
    assert response.headers["X-AUSERNAME"] == "alice"
    assert [p["key"] for p in response.json()["values"]] == ["ACME"]


def test_user_tokens_work_as_bearer_and_as_basic_password(seeded: SeededEmulator):
    url = f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend"
    assert httpx.get(url, auth=("alice", seeded.server_admin_token)).status_code == 200
    assert httpx.get(url, auth=("bob", seeded.server_admin_token)).status_code == 401  # someone else's token
    assert httpx.get(url, auth=("alice", "alice-pw")).status_code == 200
    assert httpx.get(url, auth=("alice", "wrong")).status_code == 401


def test_personal_projects_use_tilde_keys(seeded: SeededEmulator):
    repo = seeded.get(f"{seeded.server}/rest/api/1.0/projects/~alice/repos/notes", seeded.server_admin_token).json()
    assert repo["project"]["key"] == "~ALICE" and repo["project"]["type"] == "PERSONAL"
    hrefs = {link["name"]: link["href"] for link in repo["links"]["clone"]}
    assert hrefs["http"] == f"{seeded.server}/scm/~alice/notes.git"
    assert repo["links"]["self"][0]["href"] == f"{seeded.server}/users/alice/repos/notes/browse"
    # Bob may not see Alice's personal repository.
    assert seeded.get(f"{seeded.server}/rest/api/1.0/projects/~alice/repos/notes",
                     seeded.server_bob_token).status_code == 404


def test_webhooks_need_repo_admin_and_never_echo_the_secret(seeded: SeededEmulator):
    hooks = f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/webhooks"
    body = {"name": "portal", "url": "https://portal.example/hooks/bbs", "events": ["repo:refs_changed"],
            "active": True, "configuration": {"secret": "server-secret"}}
    refused = seeded.request("POST", hooks, seeded.server_bob_token, json=body)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["exceptionName"] == "com.atlassian.bitbucket.AuthorisationException"
    created = seeded.request("POST", hooks, seeded.server_admin_token, json=body)
    assert created.status_code == 200
    assert "server-secret" not in created.text
    listed = seeded.get(hooks, seeded.server_admin_token)
    assert [h["name"] for h in listed.json()["values"]] == ["portal"]
    assert "server-secret" not in listed.text
    bad = seeded.request("POST", hooks, seeded.server_admin_token, json={**body, "events": ["push"]})
    assert bad.status_code == 400
    hook_id = created.json()["id"]
    assert seeded.request("DELETE", f"{hooks}/{hook_id}", seeded.server_admin_token).status_code == 204
    assert seeded.get(f"{hooks}/{hook_id}", seeded.server_admin_token).status_code == 404


def test_project_and_repository_tokens_are_limited_to_their_scope(seeded: SeededEmulator):
    project_token = _token(seeded, level="project", project="ACME", permissions=["PROJECT_READ"])
    response = seeded.get(f"{seeded.server}/rest/api/1.0/repos", project_token)
    assert [r["slug"] for r in response.json()["values"]] == ["backend", "frontend", "tools"]
    assert response.headers["X-AUSERNAME"].startswith("bot-project-token")
    repo_token = _token(seeded, level="repository", project="ACME", repository="tools", permissions=["REPO_ADMIN"])
    assert seeded.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/tools/webhooks", repo_token).status_code == 200
    assert seeded.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend", repo_token).status_code == 404
    # Repository tokens are Bearer only: no username goes with them.
    assert httpx.get(f"{seeded.server}/rest/api/1.0/repos", auth=("alice", repo_token)).status_code == 401


def test_token_permissions_cap_the_user(seeded: SeededEmulator):
    read_only = _token(seeded, level="user", user="alice", permissions=["REPO_READ"])
    url = f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/webhooks"
    assert seeded.get(url, read_only).status_code == 401
    assert seeded.get(url, seeded.server_admin_token).status_code == 200


def test_revoked_and_expired_tokens_are_401(seeded: SeededEmulator):
    url = f"{seeded.server}/rest/api/1.0/projects"
    token = _token(seeded, level="user", user="bob", permissions=["REPO_READ"])
    seeded.emulator.control("POST", "/server/tokens/revoke", json={"token": token})
    assert seeded.get(url, token).status_code == 401
    seeded.emulator.control("POST", "/server/tokens/expire", json={"token": seeded.server_bob_token})
    failed = seeded.get(url, seeded.server_bob_token)
    assert failed.status_code == 401
    assert "Authentication failed" in failed.json()["errors"][0]["message"]


def test_anonymous_sees_nothing_private(seeded: SeededEmulator):
    assert httpx.get(f"{seeded.server}/rest/api/1.0/repos").json()["values"] == []
    assert httpx.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend").status_code == 401


def test_misconfigured_base_url_points_links_at_localhost_7990(seeded: SeededEmulator):
    seeded.emulator.control("POST", "/server/settings", json={"misconfigured_base_url": True})
    repo = seeded.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend", seeded.server_admin_token).json()
    assert repo["links"]["self"][0]["href"] == "http://localhost:7990/bitbucket/projects/ACME/repos/backend/browse"
    assert {link["href"] for link in repo["links"]["clone"]} == {
        "http://localhost:7990/bitbucket/scm/acme/backend.git", "ssh://git@localhost:7999/acme/backend.git"}


def test_branches_commits_and_pull_requests_resolve(seeded: SeededEmulator):
    base = f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend"
    branches = seeded.get(f"{base}/branches", seeded.server_admin_token).json()["values"]
    assert [b["displayId"] for b in branches] == ["master", "feature/x"]
    head = branches[1]["latestCommit"]
    assert seeded.get(f"{base}/commits/{head}", seeded.server_admin_token).json()["id"] == head
    pr = seeded.get(f"{base}/pull-requests/1", seeded.server_admin_token).json()
    assert pr["fromRef"]["id"] == "refs/heads/feature/x" and pr["state"] == "OPEN"
    assert isinstance(pr["createdDate"], int)
    assert pr["links"]["self"][0]["href"] == f"{seeded.server}/projects/ACME/repos/backend/pull-requests/1"
    assert seeded.get(f"{base}/pull-requests/5", seeded.server_admin_token).status_code == 404


def test_http_access_tokens_are_refused_before_7_14_as_an_older_server_knows_none(seeded: SeededEmulator):
    url = f"{seeded.server}/rest/api/1.0/repos?limit=1"
    seeded.emulator.control("POST", "/server/settings", json={"version": "7.13.9"})
    refused = seeded.get(url, seeded.server_admin_token)
    assert refused.status_code == 401 and "X-AUSERNAME" not in refused.headers
    assert httpx.get(url, auth=("alice", "alice-pw")).status_code == 200  # passwords still work
    seeded.emulator.control("POST", "/server/settings", json={"version": "7.14.0"})
    assert seeded.get(url, seeded.server_admin_token).headers["X-AUSERNAME"] == "alice"
