"""Cloud credentials: OAuth Bearer, API tokens and app passwords by Basic, access tokens; scopes; 401s."""

from __future__ import annotations

import httpx

from tests.emulator.seeded import SeededEmulator


def _token(seeded: SeededEmulator, **body) -> str:
    return seeded.emulator.control("POST", "/cloud/tokens", json=body)["token"]


def test_oauth_bearer_carries_scope_and_credential_headers(seeded: SeededEmulator):
    response = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp", seeded.alice_oauth)
    assert response.status_code == 200
    assert response.headers["X-Credential-Type"] == "oauth2"
    assert "webhook" in response.headers["X-OAuth-Scopes"].split(", ")


def test_api_token_uses_email_and_token(seeded: SeededEmulator):
    response = httpx.get(f"{seeded.cloud}/2.0/user", auth=("alice@acme.example", seeded.alice_api_token))
    assert response.status_code == 200, response.text
    assert response.json()["account_id"]
    assert response.headers["X-Credential-Type"] == "api_token"
    assert response.headers["X-OAuth-Scopes"] == "read:user:bitbucket, read:repository:bitbucket"
    # The Bitbucket username is not the login for an API token.
    assert httpx.get(f"{seeded.cloud}/2.0/user", auth=("alice-bb", seeded.alice_api_token)).status_code == 401


def test_api_token_scopes_are_the_granular_ones(seeded: SeededEmulator):
    response = httpx.get(f"{seeded.cloud}/2.0/user/workspaces", auth=("alice@acme.example", seeded.alice_api_token))
    assert response.status_code == 403
    assert response.json()["error"]["detail"]["required"] == ["read:workspace:bitbucket"]


def test_app_password_works_until_disabled(seeded: SeededEmulator):
    auth = ("alice-bb", seeded.alice_app_password)
    ok = httpx.get(f"{seeded.cloud}/2.0/user", auth=auth)
    assert ok.status_code == 200
    assert ok.headers["X-Credential-Type"] == "app_password"
    seeded.emulator.control("POST", "/cloud/settings", json={"app_passwords_disabled": True})
    refused = httpx.get(f"{seeded.cloud}/2.0/user", auth=auth)
    assert refused.status_code == 401
    assert "API token" in refused.json()["error"]["message"]


def test_repository_access_token_has_no_user_and_sees_one_repository(seeded: SeededEmulator):
    token = _token(seeded, kind="repository_access_token", repository="acme/webapp", scopes=["repository", "webhook"])
    user = seeded.get(f"{seeded.cloud}/2.0/user", token)
    assert user.status_code == 403
    assert user.headers["X-Credential-Type"] == "repo_access_token"
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp", token).status_code == 200
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/api", token).status_code == 404
    listed = seeded.get(f"{seeded.cloud}/2.0/repositories/acme", token).json()
    assert [repo["slug"] for repo in listed["values"]] == ["webapp"]
    hook = seeded.request("POST", f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks", token,
                         json={"url": "https://example.com/hook", "events": ["repo:push"]})
    assert hook.status_code == 201


def test_workspace_and_project_access_tokens(seeded: SeededEmulator):
    workspace_token = _token(seeded, kind="workspace_access_token", workspace="acme", scopes=["repository"])
    listed = seeded.get(f"{seeded.cloud}/2.0/repositories/acme", workspace_token)
    assert listed.headers["X-Credential-Type"] == "workspace_access_token"
    assert listed.json()["size"] == 5
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/elsewhere/secret-sauce", workspace_token).status_code == 404
    project_token = _token(seeded, kind="project_access_token", workspace="acme", project="PROJ",
                           scopes=["repository"])
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/docs", project_token).status_code == 200
    assert seeded.get(f"{seeded.cloud}/2.0/user", project_token).status_code == 403


def test_insufficient_scope_is_403_naming_the_required_scope(seeded: SeededEmulator):
    token = _token(seeded, kind="oauth", user="alice-bb", scopes=["account", "repository"])
    response = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks", token)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["message"] == "Your credentials lack one or more required privilege scopes."
    assert error["detail"] == {"granted": ["account", "repository"], "required": ["webhook"]}
    assert response.headers["X-OAuth-Scopes"] == "account, repository"


def test_implied_scopes_are_honoured(seeded: SeededEmulator):
    # pullrequest:write implies pullrequest, repository:write and repository.
    token = _token(seeded, kind="oauth", user="alice-bb", scopes=["pullrequest:write"])
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp", token).status_code == 200
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp/pullrequests/1", token).status_code == 200
    assert seeded.get(f"{seeded.cloud}/2.0/user", token).status_code == 403


def test_revoked_and_expired_tokens_are_401(seeded: SeededEmulator):
    url = f"{seeded.cloud}/2.0/user"
    assert seeded.get(url, seeded.alice_oauth).status_code == 200
    seeded.emulator.control("POST", "/cloud/tokens/revoke", json={"token": seeded.alice_oauth})
    assert seeded.get(url, seeded.alice_oauth).status_code == 401
    assert seeded.get(url, seeded.bob_oauth).status_code == 200
    seeded.emulator.control("POST", "/cloud/tokens/expire", json={"token": seeded.bob_oauth})
    expired = seeded.get(url, seeded.bob_oauth)
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]


def test_unknown_and_missing_credentials(seeded: SeededEmulator):
    assert seeded.get(f"{seeded.cloud}/2.0/user", "not-a-token").status_code == 401
    assert seeded.get(f"{seeded.cloud}/2.0/user").status_code == 401
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp").status_code == 401


def test_repository_visibility_follows_membership(seeded: SeededEmulator):
    carol = _token(seeded, kind="oauth", user="carol-bb", scopes=["repository"])
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp", carol).status_code == 404
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme", carol).json()["values"] == []
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/elsewhere/secret-sauce", carol).status_code == 200
