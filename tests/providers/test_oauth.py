"""`integrations.providers.oauth` (authorize URL, grants, PKCE) for both Bitbucket flavours, driven
through the emulator's consent pages over real HTTP.

The test plays the runner agent's part (it holds the client secret and posts to the token URL);
the portal only builds the authorize URL and the grant bodies and parses the answers.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from integrations.providers import PROVIDERS, bitbucket_cloud, bitbucket_server
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import BadRequest, BearerToken, Unauthorized, raise_for_response
from integrations.providers.oauth import authorization_code_grant, authorize_url, make_pkce_pair, refresh_grant
from integrations.providers.tokens import parse_token_response
from tests.providers.accounts import CloudAccount, ServerAccount, grant_on_consent_page

CALLBACK = "https://portal.example/accounts/bitbucket/callback/"


def post_token(token_url: str, params: dict[str, str], *, auth: tuple[str, str] | None = None, form_auth=None):
    body = {**params, **(form_auth or {})}
    response = httpx.post(token_url, data=body, auth=auth, timeout=10.0)
    raise_for_response(response, provider="oauth-test")
    return response.json()


def test_authorize_url_carries_scopes_pkce_and_state_and_leaves_out_an_empty_scope():
    url = authorize_url("https://git.example/authorize", client_id="cid", redirect_uri=CALLBACK, state="st",
                        scopes=["REPO_READ", "REPO_WRITE"], code_challenge="chal")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://git.example/authorize?")
    assert query == {"client_id": ["cid"], "redirect_uri": [CALLBACK], "response_type": ["code"],
                     "scope": ["REPO_READ REPO_WRITE"], "code_challenge": ["chal"],
                     "code_challenge_method": ["S256"], "state": ["st"]}
    bare = parse_qs(urlsplit(authorize_url("https://x/a", client_id="c", redirect_uri=CALLBACK, state="s")).query)
    assert "scope" not in bare and "code_challenge" not in bare


def test_grants_are_the_rfc_6749_bodies():
    assert authorization_code_grant(code="c", redirect_uri=CALLBACK) == {
        "grant_type": "authorization_code", "code": "c", "redirect_uri": CALLBACK}
    assert authorization_code_grant(code="c", redirect_uri=CALLBACK, code_verifier="v")["code_verifier"] == "v"
    assert refresh_grant(refresh_token="r") == {"grant_type": "refresh_token", "refresh_token": "r"}


def test_cloud_code_exchange_and_rotating_refresh(cloud: CloudAccount):
    consumer = cloud.emulator.control(
        "POST", "/cloud/consumers", json={"name": "Portal", "callback_url": CALLBACK, "scopes": ["account", "email"]}
    )
    client_auth = (consumer["key"], consumer["secret"])
    spec, host = bitbucket_cloud.SPEC, cloud.emulator.cloud_web_url
    token_url = PROVIDERS[spec.id].token_url(host, {})
    url = authorize_url(PROVIDERS[spec.id].authorize_url(host, {}), client_id=consumer["key"],
                        redirect_uri=CALLBACK, state="st-123")
    assert url.startswith(cloud.emulator.cloud_web_url + "/site/oauth2/authorize?")
    answer = grant_on_consent_page(url, user="alice")
    assert answer["state"] == "st-123"

    params = authorization_code_grant(code=answer["code"], redirect_uri=CALLBACK)
    first = parse_token_response(post_token(token_url, params, auth=client_auth))
    assert first.scopes == ("account", "email") and first.expires_in == 7200
    assert (
        BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, credential=BearerToken(first.access_token))
        .identity()
        .git_author_email
        == "alice@example.com"
    )

    second = parse_token_response(post_token(token_url, refresh_grant(refresh_token=first.refresh_token),
                                             auth=client_auth))
    third = parse_token_response(post_token(token_url, refresh_grant(refresh_token=second.refresh_token),
                                            auth=client_auth))
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    # Rotation: the first refresh token was used once and is now dead.
    with pytest.raises(BadRequest) as info:
        post_token(token_url, refresh_grant(refresh_token=first.refresh_token), auth=client_auth)
    assert "invalid_grant" in str(info.value)
    assert first.refresh_token not in str(info.value)
    new_client = BitbucketCloudClient(api_url=cloud.emulator.cloud_api_url, credential=BearerToken(third.access_token))
    assert new_client.current_user()["nickname"] == "alice"


def test_cloud_cancel_redirects_with_access_denied(cloud: CloudAccount):
    consumer = cloud.emulator.control("POST", "/cloud/consumers", json={"name": "Portal", "callback_url": CALLBACK})
    endpoint = bitbucket_cloud.PROVIDER.authorize_url(cloud.emulator.cloud_web_url, {})
    with httpx.Client(timeout=10.0) as browser:
        page = browser.get(authorize_url(endpoint, client_id=consumer["key"], redirect_uri=CALLBACK, state="st-9"))
        request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
        answer = browser.post(endpoint, data={"request_id": request_id, "user": "alice", "action": "cancel"})
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["st-9"]


def test_wrong_client_secret_is_unauthorized(cloud: CloudAccount):
    consumer = cloud.emulator.control("POST", "/cloud/consumers", json={"name": "Portal", "callback_url": CALLBACK})
    token_url = bitbucket_cloud.PROVIDER.token_url(cloud.emulator.cloud_web_url, {})
    with pytest.raises(Unauthorized):
        post_token(token_url, refresh_grant(refresh_token="x"), auth=(consumer["key"], "wrong"))


def test_server_pkce_exchange_and_refresh(server: ServerAccount):
    app = server.emulator.control(
        "POST",
        "/server/oauth-clients",
        json={"name": "Portal", "redirect_uri": CALLBACK, "scopes": ["REPO_READ", "REPO_ADMIN"]},
    )
    spec, host = bitbucket_server.SPEC, server.emulator.server_url
    token_url = PROVIDERS[spec.id].token_url(host, {})
    verifier, challenge = make_pkce_pair()
    url = authorize_url(PROVIDERS[spec.id].authorize_url(host, {}), client_id=app["client_id"],
                        redirect_uri=CALLBACK, state="st-s", scopes=["REPO_READ", "REPO_ADMIN"],
                        code_challenge=challenge)
    assert url.startswith(server.emulator.server_url + "/rest/oauth2/latest/authorize?")
    answer = grant_on_consent_page(url, user="bob")
    form_auth = {"client_id": app["client_id"], "client_secret": app["client_secret"]}

    params = authorization_code_grant(code=answer["code"], redirect_uri=CALLBACK, code_verifier=verifier)
    tokens = parse_token_response(post_token(token_url, params, form_auth=form_auth))
    assert tokens.scopes == ("REPO_READ", "REPO_ADMIN")
    user_client = BitbucketServerClient(server.emulator.server_url, credential=BearerToken(tokens.access_token))
    assert user_client.identity(token_scopes=tokens.scopes).username == "bob"

    refreshed = parse_token_response(post_token(token_url, refresh_grant(refresh_token=tokens.refresh_token),
                                                form_auth=form_auth))
    assert refreshed.refresh_token != tokens.refresh_token
    with pytest.raises(BadRequest):
        post_token(token_url, refresh_grant(refresh_token=tokens.refresh_token), form_auth=form_auth)


def test_server_code_without_matching_verifier_is_refused(server: ServerAccount):
    app = server.emulator.control(
        "POST", "/server/oauth-clients", json={"name": "Portal", "redirect_uri": CALLBACK, "scopes": ["REPO_READ"]}
    )
    spec, host = bitbucket_server.SPEC, server.emulator.server_url
    _, challenge = make_pkce_pair()
    other_verifier, _ = make_pkce_pair()
    answer = grant_on_consent_page(
        authorize_url(PROVIDERS[spec.id].authorize_url(host, {}), client_id=app["client_id"],
                      redirect_uri=CALLBACK, state="s", scopes=["REPO_READ"], code_challenge=challenge),
        user="bob",
    )
    params = authorization_code_grant(code=answer["code"], redirect_uri=CALLBACK, code_verifier=other_verifier)
    with pytest.raises(BadRequest) as info:
        post_token(
            PROVIDERS[spec.id].token_url(host, {}), params,
            form_auth={"client_id": app["client_id"], "client_secret": app["client_secret"]},
        )
    assert "code_verifier" in str(info.value)
