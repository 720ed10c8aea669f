"""Bitbucket Cloud OAuth 2.0: the consent page and the token endpoint (rotating refresh tokens)."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from emulator.cloud.models import CloudRefreshToken, CloudToken, Consumer
from emulator.cloud.scopes import SCOPE_DESCRIPTIONS
from emulator.cloud.state import NAME, cloud_settings, cloud_state
from emulator.httpcore import Request, Response
from emulator.oauth_common import (
    add_query,
    begin_consent,
    client_credentials,
    consume_code,
    decide_authorization,
    error_page,
    oauth_error,
    secrets_equal,
    verify_pkce,
)
from emulator.store import State, new_secret

if TYPE_CHECKING:
    from emulator.app import Emulator

AUTHORIZE_PATH = "/site/oauth2/authorize"


def split_scopes(raw: str | None) -> list[str]:
    return [scope for scope in re.split(r"[\s,]+", raw or "") if scope]


def authorize_page(app: Emulator, request: Request) -> Response:
    state = app.state
    consumer = cloud_state(state).consumers.get(request.arg("client_id") or "")
    if consumer is None:
        return error_page(400, "Invalid client_id: no OAuth consumer with this key exists.")
    given_redirect = request.arg("redirect_uri")
    if given_redirect and not given_redirect.startswith(consumer.callback_url):
        return error_page(400, "redirect_uri does not match the consumer's callback URL.")
    redirect_uri = given_redirect or consumer.callback_url
    if request.arg("response_type") != "code":
        return Response.redirect(add_query(redirect_uri, {
            "error": "unsupported_response_type", "state": request.arg("state")}))
    users = [(u.username, f"{u.display_name} ({u.username})") for u in cloud_state(state).users.values()]
    # Bitbucket Cloud takes the scopes from the consumer; a scope parameter narrows them. PKCE (RFC 7636): a
    # code issued for a challenge is useless without its verifier.
    return begin_consent(state, request, flavour=NAME, client_id=consumer.key, redirect_uri=redirect_uri,
                         redirect_uri_given=bool(given_redirect),
                         scopes=split_scopes(request.arg("scope")) or list(consumer.scopes),
                         title="Authorize access to Bitbucket Cloud", action=AUTHORIZE_PATH, app_name=consumer.name,
                         scope_descriptions=SCOPE_DESCRIPTIONS, users=users)


def authorize_decision(app: Emulator, request: Request) -> Response:
    state = app.state
    return decide_authorization(state, request.form(), flavour=NAME, users=cloud_state(state).users)


def access_token(app: Emulator, request: Request) -> Response:
    state = app.state
    form = request.form()
    client_id, client_secret = client_credentials(request, form)
    consumer = cloud_state(state).consumers.get(client_id)
    if consumer is None or not secrets_equal(client_secret, consumer.secret):
        raise oauth_error(401, "invalid_client", "Invalid OAuth client credentials")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        found = consume_code(state, NAME, form.get("code", ""), consumer.key, form.get("redirect_uri"))
        verify_pkce(found, form.get("code_verifier"))
        return _token_response(state, consumer, found.username, found.scopes)
    if grant_type == "refresh_token":
        refresh = cloud_state(state).refresh_tokens.get(form.get("refresh_token", ""))
        if refresh is None or refresh.consumer_key != consumer.key or refresh.revoked:
            raise oauth_error(400, "invalid_grant", "Invalid refresh_token")
        if refresh.used:
            # Rotating refresh tokens: each one works exactly once.
            raise oauth_error(400, "invalid_grant", "Invalid refresh_token: it has already been used")
        refresh.used = True
        return _token_response(state, consumer, refresh.username, refresh.scopes)
    raise oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")


def _token_response(state: State, consumer: Consumer, username: str, scopes: list[str]) -> Response:
    ttl = cloud_settings(state.settings).access_token_ttl
    access = CloudToken(value=new_secret("bbemu-oauth-"), kind="oauth", scopes=list(scopes), username=username,
                        consumer_key=consumer.key, expires_at=time.time() + ttl)
    refresh = CloudRefreshToken(value=new_secret("bbemu-refresh-"), consumer_key=consumer.key,
                                username=username, scopes=list(scopes))
    cloud = cloud_state(state)
    cloud.tokens[access.value] = access
    cloud.refresh_tokens[refresh.value] = refresh
    granted = " ".join(scopes)
    return Response.json(200, {
        "access_token": access.value,
        "scopes": granted,
        "scope": granted,
        "expires_in": ttl,
        "refresh_token": refresh.value,
        "token_type": "bearer",
    }, [("Cache-Control", "no-store")])

