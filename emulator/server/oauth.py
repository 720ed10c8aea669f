"""Bitbucket DC OAuth 2.0 incoming application link: consent page, token endpoint, PKCE S256."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

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
from emulator.server.models import OAuthClient, ServerRefreshToken, ServerToken
from emulator.server.state import NAME, server_settings, server_state
from emulator.store import State, new_secret

if TYPE_CHECKING:
    from emulator.app import Emulator

AUTHORIZE_PATH = "/rest/oauth2/latest/authorize"
SCOPE_DESCRIPTIONS = {
    "PUBLIC_REPOS": "View public projects and repositories",
    "REPO_READ": "View projects and repositories you have access to",
    "REPO_WRITE": "Push to and modify repositories you have access to",
    "REPO_ADMIN": "Administer repositories you have access to",
    "PROJECT_ADMIN": "Administer projects you have access to",
    "ACCOUNT_WRITE": "Modify your account details",
    "ADMIN_WRITE": "Administer Bitbucket",
    "SYSTEM_ADMIN": "Act as a system administrator",
}


def authorize_page(app: Emulator, request: Request) -> Response:
    state = app.state
    client = server_state(state).oauth_clients.get(request.arg("client_id") or "")
    if client is None:
        return error_page(400, "Invalid client_id: no application link with this client ID exists.")
    redirect_uri = request.arg("redirect_uri") or client.redirect_uri
    if redirect_uri != client.redirect_uri:
        return error_page(400, "The redirect_uri does not match the one registered for this application.")
    reply_state = request.arg("state")
    if request.arg("response_type") != "code":
        return Response.redirect(add_query(redirect_uri, {"error": "unsupported_response_type",
                                                          "state": reply_state}))
    scopes = [s for s in (request.arg("scope") or "").replace(",", " ").split() if s] or list(client.scopes) \
        or ["PUBLIC_REPOS"]
    unknown = [s for s in scopes if s not in SCOPE_DESCRIPTIONS]
    if unknown:
        return Response.redirect(add_query(redirect_uri, {
            "error": "invalid_scope", "error_description": f"Unknown scope(s): {' '.join(unknown)}",
            "state": reply_state}))
    users = [(u.slug, f"{u.display_name} ({u.slug})") for u in server_state(state).users.values()]
    return begin_consent(state, request, flavour=NAME, client_id=client.client_id, redirect_uri=redirect_uri,
                         redirect_uri_given=True, scopes=scopes, title="Authorize access to Bitbucket",
                         action=request.mount + AUTHORIZE_PATH, app_name=client.name,
                         scope_descriptions=SCOPE_DESCRIPTIONS, users=users)


def authorize_decision(app: Emulator, request: Request) -> Response:
    state = app.state
    return decide_authorization(state, request.form(), flavour=NAME, users=server_state(state).users)


def token(app: Emulator, request: Request) -> Response:
    state = app.state
    form = request.form()
    client_id, client_secret = client_credentials(request, form)
    client = server_state(state).oauth_clients.get(client_id)
    if client is None or not secrets_equal(client_secret, client.client_secret):
        raise oauth_error(401, "invalid_client", "Client authentication failed")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        found = consume_code(state, NAME, form.get("code", ""), client.client_id, form.get("redirect_uri"))
        verify_pkce(found, form.get("code_verifier"))
        return _token_response(state, client, found.username, found.scopes)
    if grant_type == "refresh_token":
        refresh = server_state(state).refresh_tokens.get(form.get("refresh_token", ""))
        if refresh is None or refresh.client_id != client.client_id or refresh.revoked or refresh.used:
            raise oauth_error(400, "invalid_grant", "The refresh token is invalid, expired or already used")
        refresh.used = True
        return _token_response(state, client, refresh.username, refresh.scopes)
    raise oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")


def _token_response(state: State, client: OAuthClient, username: str, scopes: list[str]) -> Response:
    ttl = server_settings(state.settings).access_token_ttl
    access = ServerToken(value=new_secret("bbemu-dc-oauth-"), kind="oauth", permissions=list(scopes),
                         username=username, client_id=client.client_id, expires_at=time.time() + ttl)
    refresh = ServerRefreshToken(value=new_secret("bbemu-dc-refresh-"), client_id=client.client_id,
                                 username=username, scopes=list(scopes))
    server = server_state(state)
    server.tokens[access.value] = access
    server.refresh_tokens[refresh.value] = refresh
    return Response.json(200, {"scope": " ".join(scopes), "access_token": access.value, "token_type": "bearer",
                               "expires_in": ttl, "refresh_token": refresh.value},
                         [("Cache-Control", "no-store")])
