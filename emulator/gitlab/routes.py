"""GitLab (self-managed shape: OAuth under /oauth, REST under /api/v4): the OAuth application flow with
rotating refresh tokens and PKCE, and the endpoints the portal calls (user, token self-description),
with GitLab's error bodies (`{"message": ...}`, OAuth's `{"error": "insufficient_scope", "scope": ...}`)."""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.forge import control as forge_control
from emulator.forge import oauth as forge_oauth
from emulator.forge.models import ForgeState, ForgeToken
from emulator.gitlab.state import MOUNT, NAME, gitlab_settings, gitlab_state
from emulator.httpcore import HttpError, Request, Response, Router
from emulator.oauth_common import bearer_token

SCOPES = {"read_user": "Read your personal information", "read_api": "Read Api",
          "api": "Access the authenticated user's API", "read_repository": "Allows read-only access to the repository",
          "write_repository": "Allows read-write access to the repository"}
STYLE = forge_oauth.OAuthStyle(flavour=NAME, title="Authorize access to GitLab", token_prefix="glpat-emu-",
                               refresh=True, scope_descriptions=SCOPES)
# What each endpoint accepts (any one of).
USER_SCOPES = ("read_user", "read_api", "api")
SELF_SCOPES = ("read_api", "api", "read_user", "read_repository", "write_repository", "self_rotate")


def error(status: int, message: str) -> Response:
    return Response.json(status, {"message": f"{status} {message}"})


def _authenticate(app, request: Request, accepted: tuple[str, ...]) -> tuple[ForgeState, ForgeToken]:
    forge = gitlab_state(app.state)
    value = bearer_token(request) or request.header("PRIVATE-TOKEN")
    token, problem = forge_control.caller(forge, value)
    if problem in ("missing", "invalid"):
        raise HttpError(error(401, "Unauthorized"))
    if problem == "expired":
        raise HttpError(Response.json(401, {"error": "invalid_token", "error_description":
                                            "Token is expired. You can either do re-authorization or token refresh."}))
    if problem == "revoked":
        raise HttpError(Response.json(401, {"error": "invalid_token", "error_description":
                                            "Token was revoked. You have to re-authorize from the user."}))
    if not set(token.scopes) & set(accepted):
        raise HttpError(Response.json(403, {
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": " ".join(accepted)}))
    return forge, token


def get_user(app, request: Request) -> Response:
    forge, token = _authenticate(app, request, USER_SCOPES)
    user = forge.users[token.username]
    base = gitlab_settings(app.settings).url
    return Response.json(200, {
        "id": user.id, "username": user.username, "name": user.display_name, "state": "active",
        "email": user.email, "public_email": "", "commit_email": user.email, "bot": user.bot,
        "web_url": f"{base}/{user.username}", "confirmed_at": "2024-01-01T00:00:00.000Z" if user.email_verified
        else None})


def get_token_self(app, request: Request) -> Response:
    forge, token = _authenticate(app, request, SELF_SCOPES)
    if token.kind == "oauth":
        return error(404, "Not Found")  # OAuth tokens are no personal access tokens
    expires = datetime.fromtimestamp(token.expires_at, UTC).date().isoformat() if token.expires_at else None
    return Response.json(200, {
        "id": token.id, "name": token.name, "revoked": token.revoked, "created_at": "2026-01-01T00:00:00.000Z",
        "scopes": token.scopes, "user_id": forge.users[token.username].id, "last_used_at": None,
        "active": not token.revoked and not token.expired, "expires_at": expires})


OAUTH = forge_oauth.views(STYLE, gitlab_state, gitlab_settings, MOUNT + "/oauth/authorize")


def register(router: Router) -> None:
    router.add("GET", "/oauth/authorize", OAUTH.authorize_page)
    router.add("POST", "/oauth/authorize", OAUTH.authorize_decision)
    router.add("POST", "/oauth/token", OAUTH.token)
    router.add("GET", "/api/v4/user", get_user)
    router.add("GET", "/api/v4/personal_access_tokens/self", get_token_self)
