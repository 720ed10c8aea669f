"""OAuth 2.0 for both flavours, driven through the emulator's consent pages over real HTTP.

The test plays the runner agent's part (it holds the client secret and posts to the token URL);
the clients only build the authorize URL and the grant bodies and parse the answers.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_server.client import BitbucketServerClient, make_pkce_pair
from integrations.providers.http import BadRequest, BearerToken, Unauthorized, raise_for_response
from tests.providers.world import CloudWorld, ServerWorld, grant_on_consent_page

CALLBACK = "https://portal.example/accounts/bitbucket/callback/"


def post_token(token_url: str, params: dict[str, str], *, auth: tuple[str, str] | None = None, form_auth=None):
    body = {**params, **(form_auth or {})}
    response = httpx.post(token_url, data=body, auth=auth, timeout=10.0)
    raise_for_response(response, provider="oauth-test")
    return response.json()


def test_cloud_code_exchange_and_rotating_refresh(cloud: CloudWorld):
    consumer = cloud.emulator.control(
        "POST", "/cloud/consumers", json={"name": "Portal", "callback_url": CALLBACK, "scopes": ["account", "email"]}
    )
    client_auth = (consumer["key"], consumer["secret"])
    oauth = BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, web_url=cloud.emulator.cloud_web_url)
    url = oauth.authorize_url(consumer["key"], CALLBACK, "st-123")
    assert url.startswith(cloud.emulator.cloud_web_url + "/site/oauth2/authorize?")
    answer = grant_on_consent_page(url, user="alice")
    assert answer["state"] == "st-123"

    params = oauth.token_request_params(code=answer["code"], redirect_uri=CALLBACK)
    first = oauth.parse_token_response(post_token(oauth.token_url, params, auth=client_auth))
    assert first.scopes == ("account", "email") and first.expires_in == 7200
    assert (
        BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, credential=BearerToken(first.access_token))
        .git_author()
        .email
        == "alice@example.com"
    )

    second = oauth.parse_token_response(
        post_token(oauth.token_url, oauth.token_request_params(refresh_token=first.refresh_token), auth=client_auth)
    )
    third = oauth.parse_token_response(
        post_token(oauth.token_url, oauth.token_request_params(refresh_token=second.refresh_token), auth=client_auth)
    )
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    # Rotation: the first refresh token was used once and is now dead.
    with pytest.raises(BadRequest) as info:
        post_token(oauth.token_url, oauth.token_request_params(refresh_token=first.refresh_token), auth=client_auth)
    assert "invalid_grant" in str(info.value)
    assert first.refresh_token not in str(info.value)
    new_client = BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, credential=BearerToken(third.access_token))
    assert new_client.current_user()["nickname"] == "alice"


def test_cloud_cancel_redirects_with_access_denied(cloud: CloudWorld):
    consumer = cloud.emulator.control("POST", "/cloud/consumers", json={"name": "Portal", "callback_url": CALLBACK})
    oauth = BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, web_url=cloud.emulator.cloud_web_url)
    with httpx.Client(timeout=10.0) as browser:
        page = browser.get(oauth.authorize_url(consumer["key"], CALLBACK, "st-9"))
        request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
        answer = browser.post(
            oauth.authorize_endpoint, data={"request_id": request_id, "user": "alice", "action": "cancel"}
        )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["st-9"]


def test_wrong_client_secret_is_unauthorized(cloud: CloudWorld):
    consumer = cloud.emulator.control("POST", "/cloud/consumers", json={"name": "Portal", "callback_url": CALLBACK})
    oauth = BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, web_url=cloud.emulator.cloud_web_url)
    with pytest.raises(Unauthorized):
        post_token(oauth.token_url, oauth.token_request_params(refresh_token="x"), auth=(consumer["key"], "wrong"))


def test_server_pkce_exchange_and_refresh(server: ServerWorld):
    app = server.emulator.control(
        "POST",
        "/server/oauth-clients",
        json={"name": "Portal", "redirect_uri": CALLBACK, "scopes": ["REPO_READ", "REPO_ADMIN"]},
    )
    oauth = BitbucketServerClient(server.emulator.server_url)
    verifier, challenge = make_pkce_pair()
    url = oauth.authorize_url(app["client_id"], CALLBACK, "st-s", ["REPO_READ", "REPO_ADMIN"], challenge)
    assert url.startswith(server.emulator.server_url + "/rest/oauth2/latest/authorize?")
    answer = grant_on_consent_page(url, user="bob")
    form_auth = {"client_id": app["client_id"], "client_secret": app["client_secret"]}

    params = oauth.token_request_params(code=answer["code"], redirect_uri=CALLBACK, code_verifier=verifier)
    tokens = oauth.parse_token_response(post_token(oauth.token_url, params, form_auth=form_auth))
    assert tokens.scopes == ("REPO_READ", "REPO_ADMIN")
    user_client = BitbucketServerClient(server.emulator.server_url, credential=BearerToken(tokens.access_token))
    assert user_client.current_username() == "bob"

    refreshed = oauth.parse_token_response(
        post_token(oauth.token_url, oauth.token_request_params(refresh_token=tokens.refresh_token), form_auth=form_auth)
    )
    assert refreshed.refresh_token != tokens.refresh_token
    with pytest.raises(BadRequest):
        post_token(oauth.token_url, oauth.token_request_params(refresh_token=tokens.refresh_token), form_auth=form_auth)


def test_server_code_without_matching_verifier_is_refused(server: ServerWorld):
    app = server.emulator.control(
        "POST", "/server/oauth-clients", json={"name": "Portal", "redirect_uri": CALLBACK, "scopes": ["REPO_READ"]}
    )
    oauth = BitbucketServerClient(server.emulator.server_url)
    _, challenge = make_pkce_pair()
    other_verifier, _ = make_pkce_pair()
    answer = grant_on_consent_page(
        oauth.authorize_url(app["client_id"], CALLBACK, "s", ["REPO_READ"], challenge), user="bob"
    )
    params = oauth.token_request_params(code=answer["code"], redirect_uri=CALLBACK, code_verifier=other_verifier)
    with pytest.raises(BadRequest) as info:
        post_token(
            oauth.token_url, params, form_auth={"client_id": app["client_id"], "client_secret": app["client_secret"]}
        )
    assert "code_verifier" in str(info.value)
