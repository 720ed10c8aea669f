"""OAuth 2.0 for the forge flavours: the consent page and the token endpoint, with each flavour's way of
sending scopes and refresh tokens (GitHub: none unless the app expires tokens; GitLab and Entra: rotating)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.forge.models import ForgeRefreshToken, ForgeState, ForgeToken
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


@dataclass(frozen=True)
class OAuthStyle:
    flavour: str
    title: str  # the consent page's heading
    token_prefix: str
    refresh: bool  # hands out (rotating) refresh tokens
    scope_separator: str = " "
    scope_descriptions: dict[str, str] | None = None
    # What the token response names for the scopes asked for (Entra: `.default` comes back as the app's
    # delegated permissions, and `offline_access` is not echoed).
    granted: Callable[[list[str]], list[str]] | None = None


def _split(raw: str | None) -> list[str]:
    """Scopes as clients send them: space separated, or comma separated (GitHub takes both)."""
    return [s for s in (raw or "").replace(",", " ").split() if s]


def authorize_page(app, request: Request, style: OAuthStyle, forge: ForgeState, action: str) -> Response:
    client = forge.apps.get(request.arg("client_id") or "")
    if client is None:
        return error_page(400, "Invalid client_id: no OAuth application with this ID exists.")
    given_redirect = request.arg("redirect_uri")
    if given_redirect and not given_redirect.startswith(client.redirect_uri):
        return error_page(400, "redirect_uri does not match the application's callback URL.")
    redirect_uri = given_redirect or client.redirect_uri
    if request.arg("response_type", "code") != "code":
        return Response.redirect(add_query(redirect_uri, {"error": "unsupported_response_type",
                                                          "state": request.arg("state")}))
    users = [(u.username, f"{u.display_name} ({u.username})") for u in forge.users.values() if not u.bot]
    return begin_consent(app.state, request, flavour=style.flavour, client_id=client.client_id,
                         redirect_uri=redirect_uri, redirect_uri_given=bool(given_redirect),
                         scopes=_split(request.arg("scope")) or list(client.scopes), title=style.title, action=action,
                         app_name=client.name, scope_descriptions=style.scope_descriptions or {}, users=users)


def authorize_decision(app, request: Request, style: OAuthStyle, forge: ForgeState) -> Response:
    return decide_authorization(app.state, request.form(), flavour=style.flavour, users=forge.users)


def token_endpoint(app, request: Request, style: OAuthStyle, forge: ForgeState, ttl: int) -> Response:
    """`authorization_code` and `refresh_token` grants; client authentication by Basic or the form."""
    state: State = app.state
    form = request.form()
    client_id, client_secret = client_credentials(request, form)
    client = forge.apps.get(client_id)
    if client is None or not secrets_equal(client_secret, client.client_secret):
        raise oauth_error(401, "invalid_client", "Client authentication failed")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        found = consume_code(state, style.flavour, form.get("code", ""), client.client_id, form.get("redirect_uri"))
        verify_pkce(found, form.get("code_verifier"))
        username, scopes = found.username, found.scopes
    elif grant_type == "refresh_token" and style.refresh:
        refresh = forge.refresh_tokens.get(form.get("refresh_token", ""))
        if refresh is None or refresh.client_id != client.client_id or refresh.revoked or refresh.used:
            # Rotating refresh tokens: each works once.
            raise oauth_error(400, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, "
                                                   "or was issued to another client.")
        refresh.used = True
        username, scopes = refresh.username, refresh.scopes
    else:
        raise oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    # Without refresh tokens (a GitHub OAuth app) access tokens do not expire.
    access = ForgeToken(value=new_secret(style.token_prefix), username=username, kind="oauth", scopes=list(scopes),
                        client_id=client.client_id, expires_at=time.time() + ttl if style.refresh else None,
                        id=forge.next_id())
    forge.tokens[access.value] = access
    named = style.granted(list(scopes)) if style.granted else list(scopes)
    body = {"access_token": access.value, "token_type": "bearer", "scope": style.scope_separator.join(named)}
    if style.refresh:
        refresh_token = ForgeRefreshToken(value=new_secret(style.token_prefix + "r-"), client_id=client.client_id,
                                          username=username, scopes=list(scopes))
        forge.refresh_tokens[refresh_token.value] = refresh_token
        body.update(refresh_token=refresh_token.value, expires_in=ttl)
    return Response.json(200, body, [("Cache-Control", "no-store")])


@dataclass(frozen=True)
class OAuthViews:
    """A forge flavour's three OAuth handlers: the consent page, the decision posted from it, the token
    endpoint. Path parameters (Entra's `{tenant}`) are accepted and fill the consent form's action."""

    authorize_page: Callable[..., Response]
    authorize_decision: Callable[..., Response]
    token: Callable[..., Response]


def views(style: OAuthStyle, state_of: Callable[[State], ForgeState], settings_of: Callable[[Any], Any],
          action: str) -> OAuthViews:
    """`action`: the path the consent form posts to, as a format string over the route's parameters."""

    def page(app, request: Request, **params: str) -> Response:
        return authorize_page(app, request, style, state_of(app.state), action.format(**params))

    def decision(app, request: Request, **params: str) -> Response:
        return authorize_decision(app, request, style, state_of(app.state))

    def token(app, request: Request, **params: str) -> Response:
        return token_endpoint(app, request, style, state_of(app.state), settings_of(app.settings).access_token_ttl)

    return OAuthViews(authorize_page=page, authorize_decision=decision, token=token)
