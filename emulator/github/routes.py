"""GitHub (Enterprise Server shape: web and OAuth at the host, REST under /api/v3): the OAuth app flow and
the endpoints the portal calls (user, emails, repositories), with GitHub's headers and error bodies."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from emulator.forge import control as forge_control
from emulator.forge import oauth as forge_oauth
from emulator.forge.models import ForgeState, ForgeToken
from emulator.github.state import MOUNT, NAME, github_settings, github_state
from emulator.httpcore import HttpError, Request, Response, Router
from emulator.oauth_common import bearer_token

DOCS = "https://docs.github.com/rest"
SCOPES = {"repo": "Full control of private repositories", "read:user": "Read all user profile data",
          "user:email": "Access user email addresses (read-only)", "workflow": "Update GitHub Action workflows",
          "admin:repo_hook": "Full control of repository hooks"}
STYLE = forge_oauth.OAuthStyle(flavour=NAME, title="Authorize access to GitHub", token_prefix="gho_", refresh=False,
                               scope_separator=",", scope_descriptions=SCOPES)
# A broader classic scope covers narrower ones (`user` covers `read:user` and `user:email`).
IMPLIED = {"user": ("read:user", "user:email"), "repo": ("repo:status", "public_repo")}
RATE_LIMIT = 5000


def error(status: int, message: str) -> Response:
    return Response.json(status, {"message": message, "documentation_url": DOCS, "status": str(status)})


def _has(token: ForgeToken, scope: str) -> bool:
    granted = set(token.scopes)
    for scope_name in token.scopes:
        granted.update(IMPLIED.get(scope_name, ()))
    return scope in granted


def _authenticate(app, request: Request) -> tuple[ForgeState, ForgeToken]:
    forge = github_state(app.state)
    value = bearer_token(request)
    if value is None:
        header = request.header("Authorization") or ""
        if header.lower().startswith("token "):
            value = header[6:].strip()
    token, problem = forge_control.caller(forge, value)
    if problem == "missing":
        raise HttpError(error(401, "Requires authentication"))
    if problem:  # GitHub says nothing more for a wrong, expired or revoked token
        raise HttpError(error(401, "Bad credentials"))
    return forge, token


def _headers(token: ForgeToken, accepted: str = "") -> list[tuple[str, str]]:
    headers = [("X-RateLimit-Limit", str(RATE_LIMIT)), ("X-RateLimit-Remaining", str(RATE_LIMIT - 1)),
               ("X-RateLimit-Reset", str(int(time.time()) + 3600)), ("X-RateLimit-Resource", "core"),
               ("X-GitHub-Media-Type", "github.v3")]
    if token.kind != "fine-grained":  # fine-grained tokens name no scopes
        headers.append(("X-OAuth-Scopes", ", ".join(token.scopes)))
        headers.append(("X-Accepted-OAuth-Scopes", accepted))
    if token.expires_at is not None and token.kind != "oauth":
        when = datetime.fromtimestamp(token.expires_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        headers.append(("github-authentication-token-expiration", when))
    return headers


def _user_json(base: str, user) -> dict:
    return {"login": user.username, "id": user.id, "node_id": f"U_{user.id}", "type": "Bot" if user.bot else "User",
            "name": user.display_name, "email": None, "site_admin": False,
            "url": f"{base}/api/v3/users/{user.username}", "html_url": f"{base}/{user.username}"}


def get_user(app, request: Request) -> Response:
    forge, token = _authenticate(app, request)
    user = forge.users[token.username]
    return Response.json(200, _user_json(github_settings(app.settings).url, user), _headers(token))


def get_user_emails(app, request: Request) -> Response:
    forge, token = _authenticate(app, request)
    if token.kind != "fine-grained" and not _has(token, "user:email"):
        # GitHub hides what a token may not see.
        return error(404, "Not Found").with_header("X-Accepted-OAuth-Scopes", "user, user:email")
    user = forge.users[token.username]
    body = [{"email": user.email, "primary": True, "verified": user.email_verified, "visibility": "private"},
            {"email": f"{user.id}+{user.username}@users.noreply.github.com", "primary": False, "verified": True,
             "visibility": None}]
    return Response.json(200, body, _headers(token, "user, user:email"))


def list_user_repos(app, request: Request) -> Response:
    forge, token = _authenticate(app, request)
    per_page = request.int_arg("per_page", 30, minimum=1)
    base = github_settings(app.settings).url
    repos = [r for r in forge.repos.values() if token.username in r.members or r.owner == token.username]
    if token.kind != "fine-grained" and not _has(token, "repo"):
        repos = [r for r in repos if not r.private]
    body = [{"id": r.id, "name": r.name, "full_name": r.full_name, "private": r.private,
             "html_url": f"{base}/{r.full_name}", "owner": {"login": r.owner}} for r in repos[:per_page]]
    return Response.json(200, body, _headers(token))


OAUTH = forge_oauth.views(STYLE, github_state, github_settings, MOUNT + "/login/oauth/authorize")


def access_token(app, request: Request) -> Response:
    """GitHub answers form-encoded unless asked for JSON, and a bad code with 200 and an error body."""
    try:
        response = OAUTH.token(app, request)
    except HttpError as exc:
        body = json.loads(exc.response.body)
        if body.get("error") == "invalid_grant":
            body = {"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired.",
                    "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-"
                                 "token-request-errors/#bad-verification-code"}
            response = Response.json(200, body)
        else:
            response = exc.response
    if "json" not in (request.header("Accept") or ""):
        data = json.loads(response.body)
        return Response(response.status, urlencode(data).encode(),
                        [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
    return response


def register(router: Router) -> None:
    router.add("GET", "/login/oauth/authorize", OAUTH.authorize_page)
    router.add("POST", "/login/oauth/authorize", OAUTH.authorize_decision)
    router.add("POST", "/login/oauth/access_token", access_token)
    router.add("GET", "/api/v3/user", get_user)
    router.add("GET", "/api/v3/user/emails", get_user_emails)
    router.add("GET", "/api/v3/user/repos", list_user_repos)
