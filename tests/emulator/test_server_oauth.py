"""Bitbucket DC OAuth 2.0 (incoming application link): consent, PKCE S256, rotating refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets

import httpx
import pytest

from tests.emulator.oauth_flow import decide, form_action, open_consent
from tests.emulator.seeded import SeededEmulator

REDIRECT = "http://127.0.0.1:9/accounts/bitbucket-server/login/callback/"


@pytest.fixture
def client(seeded: SeededEmulator) -> dict:
    return seeded.emulator.control("POST", "/server/oauth-clients", json={
        "client_id": "dc-client", "client_secret": "dc-secret", "name": "Acme Dev Portal (DC)",
        "redirect_uri": REDIRECT})


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize(seeded: SeededEmulator, verifier: str | None, scope: str = "PUBLIC_REPOS REPO_READ REPO_ADMIN",
               action: str = "grant") -> dict[str, list[str]]:
    params = {"client_id": "dc-client", "redirect_uri": REDIRECT, "response_type": "code", "scope": scope,
              "state": "s1"}
    if verifier:
        params |= {"code_challenge": _challenge(verifier), "code_challenge_method": "S256"}
    page, request_id = open_consent(f"{seeded.server}/rest/oauth2/latest/authorize", params)
    assert "Acme Dev Portal (DC)" in page
    for scope_name in scope.split():
        assert scope_name in page
    return decide(seeded.emulator.base_url + form_action(page), request_id, action, "bob")


def _token(seeded: SeededEmulator, **form) -> httpx.Response:
    return httpx.post(f"{seeded.server}/rest/oauth2/latest/token",
                      data={"client_id": "dc-client", "client_secret": "dc-secret", **form}, timeout=10)


def test_pkce_code_exchange_and_token_use(seeded: SeededEmulator, client: dict):
    verifier = secrets.token_urlsafe(48)
    code = _authorize(seeded, verifier)["code"][0]
    response = _token(seeded, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                      code_verifier=verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "PUBLIC_REPOS REPO_READ REPO_ADMIN" and body["token_type"] == "bearer"
    repos = httpx.get(f"{seeded.server}/rest/api/1.0/repos",
                      headers={"Authorization": f"Bearer {body['access_token']}"})
    assert repos.headers["X-AUSERNAME"] == "bob"
    assert len(repos.json()["values"]) == 3


def test_wrong_or_missing_verifier_is_refused(seeded: SeededEmulator, client: dict):
    code = _authorize(seeded, secrets.token_urlsafe(48))["code"][0]
    wrong = _token(seeded, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                   code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = _authorize(seeded, secrets.token_urlsafe(48))["code"][0]
    missing = _token(seeded, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"


def test_refresh_rotates(seeded: SeededEmulator, client: dict):
    code = _authorize(seeded, None)["code"][0]
    first = _token(seeded, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()
    second = _token(seeded, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    reused = _token(seeded, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_cancel_and_unknown_scope(seeded: SeededEmulator, client: dict):
    assert _authorize(seeded, None, action="cancel")["error"] == ["access_denied"]
    response = httpx.get(f"{seeded.server}/rest/oauth2/latest/authorize", params={
        "client_id": "dc-client", "redirect_uri": REDIRECT, "response_type": "code", "scope": "EVERYTHING"})
    assert response.status_code == 302 and "error=invalid_scope" in response.headers["Location"]


def test_public_repos_scope_sees_only_public_repositories(seeded: SeededEmulator, client: dict):
    seeded.emulator.control("POST", "/server/repositories", json={"project": "ACME", "slug": "open", "public": True})
    code = _authorize(seeded, None, scope="PUBLIC_REPOS")["code"][0]
    token = _token(seeded, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()["access_token"]
    repos = httpx.get(f"{seeded.server}/rest/api/1.0/repos", headers={"Authorization": f"Bearer {token}"})
    assert [r["slug"] for r in repos.json()["values"]] == ["open"]
