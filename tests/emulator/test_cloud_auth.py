"""Cloud credentials: OAuth Bearer, API tokens and app passwords by Basic, access tokens; scopes; 401s."""

from __future__ import annotations

import httpx

from tests.emulator.world import World


def _token(world: World, **body) -> str:
    return world.emulator.control("POST", "/cloud/tokens", json=body)["token"]


def test_oauth_bearer_carries_scope_and_credential_headers(world: World):
    response = world.get(f"{world.cloud}/2.0/repositories/acme/webapp", world.alice_oauth)
    assert response.status_code == 200
    assert response.headers["X-Credential-Type"] == "oauth2"
    assert "webhook" in response.headers["X-OAuth-Scopes"].split(", ")


def test_api_token_uses_email_and_token(world: World):
    response = httpx.get(f"{world.cloud}/2.0/user", auth=("alice@acme.example", world.alice_api_token))
    assert response.status_code == 200, response.text
    assert response.json()["account_id"]
    assert response.headers["X-Credential-Type"] == "api_token"
    assert response.headers["X-OAuth-Scopes"] == "read:user:bitbucket, read:repository:bitbucket"
    # The Bitbucket username is not the login for an API token.
    assert httpx.get(f"{world.cloud}/2.0/user", auth=("alice-bb", world.alice_api_token)).status_code == 401


def test_api_token_scopes_are_the_granular_ones(world: World):
    response = httpx.get(f"{world.cloud}/2.0/user/workspaces", auth=("alice@acme.example", world.alice_api_token))
    assert response.status_code == 403
    assert response.json()["error"]["detail"]["required"] == ["read:workspace:bitbucket"]


def test_app_password_works_until_disabled(world: World):
    auth = ("alice-bb", world.alice_app_password)
    ok = httpx.get(f"{world.cloud}/2.0/user", auth=auth)
    assert ok.status_code == 200
    assert ok.headers["X-Credential-Type"] == "app_password"
    world.emulator.control("POST", "/cloud/settings", json={"app_passwords_disabled": True})
    refused = httpx.get(f"{world.cloud}/2.0/user", auth=auth)
    assert refused.status_code == 401
    assert "API token" in refused.json()["error"]["message"]


def test_repository_access_token_has_no_user_and_sees_one_repository(world: World):
    token = _token(world, kind="repository_access_token", repository="acme/webapp", scopes=["repository", "webhook"])
    user = world.get(f"{world.cloud}/2.0/user", token)
    assert user.status_code == 403
    assert user.headers["X-Credential-Type"] == "repo_access_token"
    assert world.get(f"{world.cloud}/2.0/repositories/acme/webapp", token).status_code == 200
    assert world.get(f"{world.cloud}/2.0/repositories/acme/api", token).status_code == 404
    listed = world.get(f"{world.cloud}/2.0/repositories/acme", token).json()
    assert [repo["slug"] for repo in listed["values"]] == ["webapp"]
    hook = world.request("POST", f"{world.cloud}/2.0/repositories/acme/webapp/hooks", token,
                         json={"url": "https://example.com/hook", "events": ["repo:push"]})
    assert hook.status_code == 201


def test_workspace_and_project_access_tokens(world: World):
    workspace_token = _token(world, kind="workspace_access_token", workspace="acme", scopes=["repository"])
    listed = world.get(f"{world.cloud}/2.0/repositories/acme", workspace_token)
    assert listed.headers["X-Credential-Type"] == "workspace_access_token"
    assert listed.json()["size"] == 5
    assert world.get(f"{world.cloud}/2.0/repositories/elsewhere/secret-sauce", workspace_token).status_code == 404
    project_token = _token(world, kind="project_access_token", workspace="acme", project="PROJ",
                           scopes=["repository"])
    assert world.get(f"{world.cloud}/2.0/repositories/acme/docs", project_token).status_code == 200
    assert world.get(f"{world.cloud}/2.0/user", project_token).status_code == 403


def test_insufficient_scope_is_403_naming_the_required_scope(world: World):
    token = _token(world, kind="oauth", user="alice-bb", scopes=["account", "repository"])
    response = world.get(f"{world.cloud}/2.0/repositories/acme/webapp/hooks", token)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["message"] == "Your credentials lack one or more required privilege scopes."
    assert error["detail"] == {"granted": ["account", "repository"], "required": ["webhook"]}
    assert response.headers["X-OAuth-Scopes"] == "account, repository"


def test_implied_scopes_are_honoured(world: World):
    # pullrequest:write implies pullrequest, repository:write and repository.
    token = _token(world, kind="oauth", user="alice-bb", scopes=["pullrequest:write"])
    assert world.get(f"{world.cloud}/2.0/repositories/acme/webapp", token).status_code == 200
    assert world.get(f"{world.cloud}/2.0/repositories/acme/webapp/pullrequests/1", token).status_code == 200
    assert world.get(f"{world.cloud}/2.0/user", token).status_code == 403


def test_revoked_and_expired_tokens_are_401(world: World):
    url = f"{world.cloud}/2.0/user"
    assert world.get(url, world.alice_oauth).status_code == 200
    world.emulator.control("POST", "/cloud/tokens/revoke", json={"token": world.alice_oauth})
    assert world.get(url, world.alice_oauth).status_code == 401
    assert world.get(url, world.bob_oauth).status_code == 200
    world.emulator.control("POST", "/cloud/tokens/expire", json={"token": world.bob_oauth})
    expired = world.get(url, world.bob_oauth)
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]


def test_unknown_and_missing_credentials(world: World):
    assert world.get(f"{world.cloud}/2.0/user", "not-a-token").status_code == 401
    assert world.get(f"{world.cloud}/2.0/user").status_code == 401
    assert world.get(f"{world.cloud}/2.0/repositories/acme/webapp").status_code == 401


def test_repository_visibility_follows_membership(world: World):
    carol = _token(world, kind="oauth", user="carol-bb", scopes=["repository"])
    assert world.get(f"{world.cloud}/2.0/repositories/acme/webapp", carol).status_code == 404
    assert world.get(f"{world.cloud}/2.0/repositories/acme", carol).json()["values"] == []
    assert world.get(f"{world.cloud}/2.0/repositories/elsewhere/secret-sauce", carol).status_code == 200
