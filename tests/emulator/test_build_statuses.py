"""Commit build statuses on both flavours: the wire shapes of the reference specs, scopes and permissions,
a repost of a key replacing the current status, and the history the control API reads back."""

from __future__ import annotations

from tests.emulator.seeded import SeededEmulator

CLOUD_STATUS = {"key": "portal-prebuild", "state": "INPROGRESS", "name": "Prebuild",
                "url": "http://portal.test/p/1", "description": "Running"}


def _cloud_head(seeded: SeededEmulator) -> str:
    return seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp/refs/branches/main",
                      seeded.alice_oauth).json()["target"]["hash"]


def test_cloud_post_then_update_by_key_and_read_back(seeded: SeededEmulator, cloud_spec):
    sha = _cloud_head(seeded)
    base = f"{seeded.cloud}/2.0/repositories/acme/webapp/commit/{sha}/statuses"
    created = seeded.request("POST", base + "/build", seeded.alice_oauth, json=CLOUD_STATUS)
    assert created.status_code == 201, created.text
    cloud_spec.validate_response("POST", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build",
                                 201, created.json())
    done = seeded.request("POST", base + "/build", seeded.alice_oauth,
                          json={**CLOUD_STATUS, "state": "SUCCESSFUL", "description": "Done"})
    assert done.status_code == 201
    listed = seeded.get(base, seeded.alice_oauth).json()
    assert [(v["key"], v["state"]) for v in listed["values"]] == [("portal-prebuild", "SUCCESSFUL")]
    one = seeded.get(base + "/build/portal-prebuild", seeded.alice_oauth).json()
    assert one["description"] == "Done" and one["links"]["commit"]["href"].endswith(sha)
    history = seeded.emulator.control("GET", "/cloud/statuses", params={"repository": "acme/webapp", "commit": sha})
    assert [s["state"] for s in history["statuses"]] == ["INPROGRESS", "SUCCESSFUL"]


def test_cloud_refuses_bad_states_and_missing_scope(seeded: SeededEmulator):
    sha = _cloud_head(seeded)
    url = f"{seeded.cloud}/2.0/repositories/acme/webapp/commit/{sha}/statuses/build"
    bad = seeded.request("POST", url, seeded.alice_oauth, json={**CLOUD_STATUS, "state": "CANCELLED"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["message"]
    no_url = seeded.request("POST", url, seeded.alice_oauth, json={"key": "k", "state": "FAILED"})
    assert no_url.status_code == 400 and "url" in no_url.json()["error"]["message"]
    account_only = seeded.emulator.control("POST", "/cloud/tokens", json={"kind": "oauth", "user": "alice-bb",
                                                                          "scopes": ["account"]})["token"]
    assert seeded.request("POST", url, account_only, json=CLOUD_STATUS).status_code == 403
    unknown = seeded.request("POST", url.replace(sha, "f" * 40), seeded.alice_oauth, json=CLOUD_STATUS)
    assert unknown.status_code == 404


def test_server_repository_scoped_and_legacy_endpoints(seeded: SeededEmulator):
    commits = seeded.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/commits",
                         seeded.server_admin_token).json()
    sha = commits["values"][0]["id"]
    scoped = f"{seeded.server}/rest/api/latest/projects/ACME/repos/backend/commits/{sha}/builds"
    body = {"key": "portal-prebuild", "state": "INPROGRESS", "url": "http://portal.test/p/1", "name": "Prebuild"}
    assert seeded.request("POST", scoped, seeded.server_admin_token, json=body).status_code == 204
    assert seeded.request("POST", scoped, seeded.server_admin_token,
                          json={**body, "state": "CANCELLED"}).status_code == 204
    legacy = f"{seeded.server}/rest/build-status/1.0/commits/{sha}"
    assert seeded.request("POST", legacy, seeded.server_admin_token,
                          json={**body, "state": "CANCELLED"}).status_code == 400  # not a legacy state
    assert seeded.request("POST", legacy, seeded.server_admin_token,
                          json={**body, "key": "old-ci", "state": "SUCCESSFUL"}).status_code == 204
    listed = seeded.get(scoped, seeded.server_admin_token).json()
    assert sorted((v["key"], v["state"]) for v in listed["values"]) == [("old-ci", "SUCCESSFUL"),
                                                                        ("portal-prebuild", "CANCELLED")]
    assert isinstance(listed["values"][0]["createdDate"], int)
    assert seeded.request("POST", scoped, None, json=body).status_code == 401
    history = seeded.emulator.control("GET", "/server/statuses", params={"repository": "ACME/backend",
                                                                         "commit": sha})
    assert [s["state"] for s in history["statuses"]] == ["INPROGRESS", "CANCELLED", "SUCCESSFUL"]
