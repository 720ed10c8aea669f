"""Every endpoint the emulator serves answers in the shape Atlassian's OpenAPI descriptions give."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.emulator.openapi import PAYLOADS, Spec
from tests.emulator.seeded import SeededEmulator

R = "/repositories/{workspace}/{repo_slug}"
CLOUD_CASES = [
    ("/2.0/user", "/user"),
    ("/2.0/user/workspaces", "/user/workspaces"),
    ("/2.0/repositories/acme?pagelen=2", "/repositories/{workspace}"),
    ("/2.0/repositories/acme?pagelen=2&page=2&role=member", "/repositories/{workspace}"),
    ("/2.0/repositories/acme/webapp", R),
    ("/2.0/repositories/acme/webapp/refs/branches", R + "/refs/branches"),
    ("/2.0/repositories/acme/webapp/refs/branches/feature/login", R + "/refs/branches/{name}"),
    ("/2.0/repositories/acme/webapp/refs/tags", R + "/refs/tags"),
    ("/2.0/repositories/acme/webapp/refs/tags/v1.0.0", R + "/refs/tags/{name}"),
    ("/2.0/repositories/acme/webapp/commit/{head}", R + "/commit/{commit}"),
    ("/2.0/repositories/acme/webapp/commits", R + "/commits"),
    ("/2.0/repositories/acme/webapp/commits/feature/login", R + "/commits/{revision}"),
    ("/2.0/repositories/acme/webapp/pullrequests", R + "/pullrequests"),
    ("/2.0/repositories/acme/webapp/pullrequests/1", R + "/pullrequests/{pull_request_id}"),
    ("/2.0/repositories/acme/webapp/issues", R + "/issues"),
    ("/2.0/repositories/acme/webapp/issues/1", R + "/issues/{issue_id}"),
    ("/2.0/repositories/acme/webapp/src", R + "/src"),
    ("/2.0/repositories/acme/webapp/src/main/docs", R + "/src/{commit}/{path}"),
]


@pytest.mark.parametrize(("path", "template"), CLOUD_CASES, ids=[case[0] for case in CLOUD_CASES])
def test_cloud_get_endpoints_match_the_cloud_spec(seeded: SeededEmulator, cloud_spec: Spec, path: str, template: str):
    head = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp/refs/branches/main", seeded.alice_oauth)
    path = path.replace("{head}", head.json()["target"]["hash"])
    response = seeded.get(seeded.cloud + path, seeded.alice_oauth)
    assert response.status_code == 200, response.text
    cloud_spec.validate_response("GET", template, 200, response.json())


def test_cloud_hook_crud_matches_the_cloud_spec(seeded: SeededEmulator, cloud_spec: Spec):
    hooks = f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks"
    request_body = json.loads((PAYLOADS / "cloud-hook-create-request.json").read_text())
    created = seeded.request("POST", hooks, seeded.alice_oauth, json=request_body)
    assert created.status_code == 201, created.text
    cloud_spec.validate_response("POST", R + "/hooks", 201, created.json())
    uid = created.json()["uuid"]
    listed = seeded.get(hooks, seeded.alice_oauth)
    cloud_spec.validate_response("GET", R + "/hooks", 200, listed.json())
    one = seeded.get(f"{hooks}/{uid}", seeded.alice_oauth)
    cloud_spec.validate_response("GET", R + "/hooks/{uid}", 200, one.json())
    updated = seeded.request("PUT", f"{hooks}/{uid}", seeded.alice_oauth, json={"active": False})
    cloud_spec.validate_response("PUT", R + "/hooks/{uid}", 200, updated.json())


def test_cloud_error_bodies_match_the_error_schema(seeded: SeededEmulator, cloud_spec: Spec):
    missing = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/nope", seeded.alice_oauth)
    assert missing.status_code == 404
    cloud_spec.validate_response("GET", R, 404, missing.json())
    gone = seeded.get(f"{seeded.cloud}/2.0/repositories", seeded.alice_oauth)
    assert gone.status_code == 410
    cloud_spec.validate_response("GET", "/repositories/{workspace}", 410, gone.json())


def test_cloud_user_emails_has_the_documented_fields(seeded: SeededEmulator):
    # The spec gives /user/emails no 2xx schema; check the fields its description and clients use.
    body = seeded.get(f"{seeded.cloud}/2.0/user/emails", seeded.alice_oauth).json()
    assert body["values"] == [{"type": "email", "email": "alice@acme.example", "is_primary": True,
                               "is_confirmed": True, "links": body["values"][0]["links"]}]


D = "/api/latest/projects/{projectKey}/repos/{repositorySlug}"
SERVER_CASES = [
    ("/rest/api/1.0/application-properties", "/api/latest/application-properties"),
    ("/rest/api/1.0/repos?limit=2", "/api/latest/repos"),
    ("/rest/api/latest/repos?start=2&limit=2", "/api/latest/repos"),
    ("/rest/api/1.0/projects", "/api/latest/projects"),
    ("/rest/api/1.0/projects/ACME", "/api/latest/projects/{projectKey}"),
    ("/rest/api/1.0/projects/~alice", "/api/latest/projects/{projectKey}"),
    ("/rest/api/1.0/projects/ACME/repos", "/api/latest/projects/{projectKey}/repos"),
    ("/rest/api/1.0/projects/ACME/repos/backend", D),
    ("/rest/api/1.0/projects/~alice/repos/notes", D),
    ("/rest/api/1.0/users/alice", "/api/latest/users/{userSlug}"),
    ("/rest/api/1.0/projects/ACME/repos/backend/branches", D + "/branches"),
    ("/rest/api/1.0/projects/ACME/repos/backend/branches/default", D + "/branches/default"),
    ("/rest/api/1.0/projects/ACME/repos/backend/tags", D + "/tags"),
    ("/rest/api/1.0/projects/ACME/repos/backend/tags/v2.0.0", D + "/tags/{name}"),
    ("/rest/api/1.0/projects/ACME/repos/backend/commits", D + "/commits"),
    ("/rest/api/1.0/projects/ACME/repos/backend/commits/{head}", D + "/commits/{commitId}"),
    ("/rest/api/1.0/projects/ACME/repos/backend/pull-requests", D + "/pull-requests"),
    ("/rest/api/1.0/projects/ACME/repos/backend/pull-requests/1", D + "/pull-requests/{pullRequestId}"),
]


@pytest.mark.parametrize(("path", "template"), SERVER_CASES, ids=[case[0] for case in SERVER_CASES])
def test_server_get_endpoints_match_the_dc_spec(seeded: SeededEmulator, dc_spec: Spec, path: str, template: str):
    default = seeded.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/branches/default",
                        seeded.server_admin_token)
    path = path.replace("{head}", default.json()["latestCommit"])
    response = seeded.get(seeded.server + path, seeded.server_admin_token)
    assert response.status_code == 200, response.text
    dc_spec.validate_response("GET", template, 200, response.json())


def test_server_webhook_crud_matches_the_dc_spec(seeded: SeededEmulator, dc_spec: Spec):
    hooks = f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/webhooks"
    request_body = json.loads((PAYLOADS / "server-webhook-create-request.json").read_text())
    created = seeded.request("POST", hooks, seeded.server_admin_token, json=request_body)
    assert created.status_code == 200, created.text
    dc_spec.validate_response("POST", D + "/webhooks", 200, created.json())
    hook_id = created.json()["id"]
    one = seeded.get(f"{hooks}/{hook_id}", seeded.server_admin_token)
    dc_spec.validate_response("GET", D + "/webhooks/{webhookId}", 200, one.json())
    updated = seeded.request("PUT", f"{hooks}/{hook_id}", seeded.server_admin_token, json={"active": False})
    dc_spec.validate_response("PUT", D + "/webhooks/{webhookId}", 200, updated.json())
    # The list has no schema in the DC spec: check the standard page envelope with RestWebhook values.
    listed = seeded.get(hooks, seeded.server_admin_token).json()
    dc_spec.validate_response("GET", "/api/latest/repos", 200, {**listed, "values": []})
    for value in listed["values"]:
        dc_spec.validate_component("RestWebhook", value)


def test_server_error_bodies_match_the_dc_error_schema(seeded: SeededEmulator, dc_spec: Spec):
    missing = seeded.get(f"{seeded.server}/rest/api/1.0/projects/ACME/repos/nope", seeded.server_admin_token)
    assert missing.status_code == 404
    body = missing.json()
    assert body["errors"][0]["exceptionName"] == "com.atlassian.bitbucket.repository.NoSuchRepositoryException"
    # Bitbucket sends "context": null, which the DC spec does not mark nullable; the rest must conform.
    for error in body["errors"]:
        if error["context"] is None:
            del error["context"]
    dc_spec.validate_response("GET", D, 404, body)


def test_spec_validation_rejects_a_wrong_shape(cloud_spec: Spec, dc_spec: Spec):
    # Guards the guard: a broken body must not pass.
    with pytest.raises(AssertionError):
        cloud_spec.validate_response("GET", "/user/workspaces", 200, {"values": [{"administrator": "yes"}]})
    with pytest.raises(AssertionError):
        cloud_spec.validate_response("GET", R, 200, {"type": "repository", "links": {"html": {"href": "/relative"}}})
    with pytest.raises(AssertionError):
        dc_spec.validate_response("GET", D + "/pull-requests/{pullRequestId}", 200, {"createdDate": "yesterday"})


def test_reference_payloads_pass_the_validator(cloud_spec: Spec, dc_spec: Spec):
    # The validator accepts Atlassian's own examples, so a failure above is the emulator's fault.
    dc_spec.validate_component("RestApplicationProperties",
                               json.loads((PAYLOADS / "server-application-properties.json").read_text()))
    dc_spec.validate_component("RestApplicationUser", json.loads((PAYLOADS / "server-user.json").read_text()))
    cloud_spec.validate_response("GET", "/user/workspaces", 200,
                                 json.loads((PAYLOADS / "cloud-user-workspaces-page.json").read_text()))


def test_unknown_paths_answer_404(seeded: SeededEmulator):
    assert httpx.get(f"{seeded.cloud}/2.0/nothing-here").status_code == 404
