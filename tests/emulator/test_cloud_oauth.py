"""Bitbucket Cloud OAuth 2.0: consent page, codes, rotating refresh tokens."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.emulator.oauth_flow import decide, form_action, open_consent
from tests.emulator.seeded import SeededEmulator

CALLBACK = "http://127.0.0.1:9/accounts/bitbucket/login/callback/"


@pytest.fixture
def consumer(seeded: SeededEmulator) -> dict:
    return seeded.emulator.control("POST", "/cloud/consumers", json={
        "key": "portal-key", "secret": "portal-secret", "name": "Acme Dev Portal", "callback_url": CALLBACK,
        "scopes": ["account", "email", "repository", "webhook"]})


def _code(seeded: SeededEmulator, user: str = "bob-bb", state: str = "st4te") -> str:
    page, request_id = open_consent(f"{seeded.cloud}/site/oauth2/authorize",
                                    {"client_id": "portal-key", "response_type": "code", "state": state})
    query = decide(seeded.cloud + form_action(page), request_id, "grant", user)
    assert query["state"] == [state]
    return query["code"][0]


def _token(seeded: SeededEmulator, auth=("portal-key", "portal-secret"), **form) -> httpx.Response:
    return httpx.post(f"{seeded.cloud}/site/oauth2/access_token", data=form, auth=auth, timeout=10)


def test_consent_page_lists_consumer_scopes_and_users(seeded: SeededEmulator, consumer: dict):
    page, _ = open_consent(f"{seeded.cloud}/site/oauth2/authorize",
                           {"client_id": "portal-key", "response_type": "code", "state": "x"})
    assert "Acme Dev Portal" in page
    for scope in ("account", "email", "repository", "webhook"):
        assert f'<code class="scope">{scope}</code>' in page
    assert '<select name="user"' in page
    options = re.findall(r'<option value="([^"]+)"( selected)?>', page)
    assert options[0] == ("alice-bb", " selected")  # the first user is signed in by default
    assert ("bob-bb", "") in options
    assert 'value="grant"' in page and 'value="cancel"' in page


def test_grant_code_token_and_the_token_works(seeded: SeededEmulator, consumer: dict):
    response = _token(seeded, grant_type="authorization_code", code=_code(seeded, user="bob-bb"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scopes"] == body["scope"] == "account email repository webhook"
    user = httpx.get(f"{seeded.cloud}/2.0/user", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert user.json()["username"] == "bob-bb"
    assert user.headers["X-Credential-Type"] == "oauth2"
    assert user.headers["X-OAuth-Scopes"] == "account, email, repository, webhook"


def test_code_is_single_use(seeded: SeededEmulator, consumer: dict):
    code = _code(seeded)
    assert _token(seeded, grant_type="authorization_code", code=code).status_code == 200
    again = _token(seeded, grant_type="authorization_code", code=code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_code_is_bound_to_its_consumer(seeded: SeededEmulator, consumer: dict):
    seeded.emulator.control("POST", "/cloud/consumers", json={
        "key": "other-key", "secret": "other-secret", "name": "Other", "callback_url": CALLBACK})
    stolen = _token(seeded, auth=("other-key", "other-secret"), grant_type="authorization_code", code=_code(seeded))
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(seeded: SeededEmulator, consumer: dict):
    response = _token(seeded, auth=("portal-key", "nope"), grant_type="authorization_code", code=_code(seeded))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_rotates_and_the_old_refresh_token_dies(seeded: SeededEmulator, consumer: dict):
    first = _token(seeded, grant_type="authorization_code", code=_code(seeded)).json()
    # Client credentials in the form body work as well as HTTP Basic.
    second = _token(seeded, auth=None, grant_type="refresh_token", refresh_token=first["refresh_token"],
                    client_id="portal-key", client_secret="portal-secret")
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    reused = _token(seeded, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert _token(seeded, grant_type="refresh_token", refresh_token=rotated["refresh_token"]).status_code == 200


def test_cancel_redirects_with_access_denied_and_state(seeded: SeededEmulator, consumer: dict):
    page, request_id = open_consent(f"{seeded.cloud}/site/oauth2/authorize",
                                    {"client_id": "portal-key", "response_type": "code", "state": "abc"})
    query = decide(seeded.cloud + form_action(page), request_id, "cancel")
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["abc"]
    assert "code" not in query


def test_unknown_client_gets_an_error_page_not_a_redirect(seeded: SeededEmulator):
    page = httpx.get(f"{seeded.cloud}/site/oauth2/authorize", params={"client_id": "nope", "response_type": "code"})
    assert page.status_code == 400
    assert "Location" not in page.headers


def test_access_token_ttl_is_configurable(seeded: SeededEmulator, consumer: dict):
    seeded.emulator.control("POST", "/cloud/settings", json={"access_token_ttl": 60})
    assert _token(seeded, grant_type="authorization_code", code=_code(seeded)).json()["expires_in"] == 60


def test_unsupported_grant_type(seeded: SeededEmulator, consumer: dict):
    response = _token(seeded, grant_type="password", username="a", password="b")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
