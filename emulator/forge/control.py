"""Control routes every forge flavour has, under `/_emulator/<flavour>/`: users, OAuth apps, tokens
(pasted ones with their kind, scopes and expiry; expire and revoke any), repositories, settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from emulator.control_common import bad_request, body_of, ok, optional_int, optional_list, required_str
from emulator.forge.models import ForgeRepository, ForgeSettings, ForgeState, ForgeToken, ForgeUser, OAuthApp
from emulator.httpcore import Request, Response, Router
from emulator.store import new_secret


def register(router: Router, name: str, state_of: Callable[[Any], ForgeState],
             settings_of: Callable[[Any], ForgeSettings], *, token_kinds: tuple[str, ...],
             token_prefix: str) -> None:
    def create_user(app, request: Request) -> Response:
        body = body_of(request)
        forge = state_of(app.state)
        username = required_str(body, "username")
        if username in forge.users:
            raise bad_request(f"User {username} already exists")
        user = ForgeUser(id=forge.next_id(), username=username,
                         display_name=str(body.get("display_name") or username),
                         email=str(body.get("email") or f"{username}@example.com"),
                         email_verified=bool(body.get("email_verified", True)), bot=bool(body.get("bot", False)))
        forge.users[username] = user
        return ok({"id": user.id, "username": user.username, "email": user.email}, 201)

    def create_app(app, request: Request) -> Response:
        body = body_of(request)
        client = OAuthApp(client_id=required_str(body, "client_id"), client_secret=required_str(body, "client_secret"),
                          name=str(body.get("name") or "OAuth app"), redirect_uri=required_str(body, "redirect_uri"),
                          scopes=[str(s) for s in optional_list(body, "scopes") or []])
        # Registering again (the demo on every start) replaces the app: same ID, new callback or secret.
        state_of(app.state).apps[client.client_id] = client
        return ok({"client_id": client.client_id, "redirect_uri": client.redirect_uri}, 201)

    def create_token(app, request: Request) -> Response:
        body = body_of(request)
        forge = state_of(app.state)
        username = required_str(body, "user")
        if username not in forge.users:
            raise bad_request(f"Unknown user {username}")
        kind = str(body.get("kind") or token_kinds[0])
        if kind not in token_kinds:
            raise bad_request(f"kind must be one of {', '.join(token_kinds)}")
        expires_in = optional_int(body, "expires_in")
        token = ForgeToken(value=str(body.get("value") or new_secret(token_prefix)), username=username, kind=kind,
                           scopes=[str(s) for s in optional_list(body, "scopes") or []],
                           name=str(body.get("name") or f"{kind} token"), id=forge.next_id(),
                           expires_at=time.time() + expires_in if expires_in is not None else None)
        forge.tokens[token.value] = token
        return ok({"token": token.value, "id": token.id, "kind": kind, "scopes": token.scopes}, 201)

    def expire_token(app, request: Request) -> Response:
        token = state_of(app.state).tokens.get(required_str(body_of(request), "token"))
        if token is None:
            raise bad_request("Unknown token")
        token.expires_at = time.time() - 1
        return ok({"expired": True})

    def revoke_token(app, request: Request) -> Response:
        value = required_str(body_of(request), "token")
        forge = state_of(app.state)
        found = forge.tokens.get(value) or forge.refresh_tokens.get(value)
        if found is None:
            raise bad_request("Unknown token")
        found.revoked = True
        return ok({"revoked": True})

    def create_repository(app, request: Request) -> Response:
        body = body_of(request)
        forge = state_of(app.state)
        members = {str(k): str(v) for k, v in dict(body.get("members") or {}).items()}
        repo = ForgeRepository(id=forge.next_id(), owner=required_str(body, "owner"), name=required_str(body, "name"),
                               private=bool(body.get("private", True)), members=members)
        forge.repos[repo.full_name.lower()] = repo
        return ok({"id": repo.id, "full_name": repo.full_name}, 201)

    def change_settings(app, request: Request) -> Response:
        body = body_of(request)
        settings = settings_of(app.settings)
        ttl = optional_int(body, "access_token_ttl")
        if ttl is not None:
            settings.access_token_ttl = ttl
        return ok({"access_token_ttl": settings.access_token_ttl})

    prefix = f"/{name}"
    router.add("POST", f"{prefix}/users", create_user)
    router.add("POST", f"{prefix}/oauth-apps", create_app)
    router.add("POST", f"{prefix}/tokens", create_token)
    router.add("POST", f"{prefix}/tokens/expire", expire_token)
    router.add("POST", f"{prefix}/tokens/revoke", revoke_token)
    router.add("POST", f"{prefix}/repositories", create_repository)
    router.add("POST", f"{prefix}/settings", change_settings)


def summary(forge: ForgeState, settings: ForgeSettings, name: str) -> dict[str, Any]:
    return {"urls": {name: settings.url}, "settings": {name: {"access_token_ttl": settings.access_token_ttl}},
            "state": {"users": sorted(forge.users), "apps": sorted(forge.apps), "tokens": len(forge.tokens),
                      "repositories": sorted(r.full_name for r in forge.repos.values())}}


def caller(forge: ForgeState, value: str | None) -> tuple[ForgeToken | None, str]:
    """(token, problem): the problem is "" for a usable token, else missing | invalid | expired | revoked."""
    if not value:
        return None, "missing"
    token = forge.tokens.get(value)
    if token is None:
        return None, "invalid"
    if token.revoked:
        return token, "revoked"
    if token.expired:
        return token, "expired"
    return token, ""
