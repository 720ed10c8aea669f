"""Who is calling the Cloud REST API, with which scopes, and what they may do to a repository."""

from __future__ import annotations

import time
from dataclasses import dataclass

from emulator.cloud.errors import cloud_error
from emulator.cloud.models import CloudRepository, CloudToken, CloudUser
from emulator.cloud.scopes import ENDPOINT_SCOPES, expand
from emulator.cloud.state import cloud_settings, cloud_state
from emulator.httpcore import Request
from emulator.oauth_common import basic_credentials, bearer_token, secrets_equal
from emulator.store import State

# Control-API token kind -> what Bitbucket says in X-Credential-Type.
CREDENTIAL_TYPES = {
    "oauth": "oauth2",
    "api_token": "api_token",
    "app_password": "app_password",
    "repository_access_token": "repo_access_token",
    "project_access_token": "project_access_token",
    "workspace_access_token": "workspace_access_token",
}
BEARER_KINDS = frozenset({"oauth", "repository_access_token", "project_access_token", "workspace_access_token"})
ACCESS_TOKEN_KINDS = frozenset({"repository_access_token", "project_access_token", "workspace_access_token"})

READ, WRITE, ADMIN = 1, 2, 3
_REPO_PERMISSION_LEVELS = {"read": READ, "write": WRITE, "admin": ADMIN}


@dataclass
class CloudIdentity:
    token: CloudToken
    user: CloudUser | None

    @property
    def credential_type(self) -> str:
        return CREDENTIAL_TYPES[self.token.kind]

    @property
    def fine_grained(self) -> bool:
        return self.token.kind == "api_token"

    @property
    def is_access_token(self) -> bool:
        return self.token.kind in ACCESS_TOKEN_KINDS

    def headers(self) -> list[tuple[str, str]]:
        return [("X-OAuth-Scopes", ", ".join(self.token.scopes)),
                ("X-Credential-Type", self.credential_type)]


def authenticate(state: State, request: Request) -> CloudIdentity | None:
    """``None`` for an anonymous request; 401 for a credential that is wrong, revoked or expired."""
    token_value = bearer_token(request)
    cloud = cloud_state(state)
    if token_value is not None:
        token = cloud.tokens.get(token_value)
        if token is None or token.kind not in BEARER_KINDS:
            raise cloud_error(401, "Invalid or unknown access token")
        return _checked(state, token)

    basic = basic_credentials(request)
    if basic is None:
        if request.header("Authorization"):
            raise cloud_error(401, "Unsupported authorization scheme")
        return None
    login, secret = basic
    token = cloud.tokens.get(secret)
    if token is None or token.kind not in ("api_token", "app_password"):
        raise cloud_error(401, "Invalid credentials")
    owner = cloud.users.get(token.username or "")
    if owner is None:
        raise cloud_error(401, "Invalid credentials")
    # API tokens pair with the Atlassian account email, app passwords with the username.
    expected_login = owner.email if token.kind == "api_token" else owner.username
    if not secrets_equal(login.lower(), expected_login.lower()):
        raise cloud_error(401, "Invalid credentials")
    if token.kind == "app_password" and cloud_settings(state.settings).app_passwords_disabled:
        raise cloud_error(401, "App passwords are no longer supported for Bitbucket Cloud. "
                               "Use an API token instead.")
    return _checked(state, token)


def _checked(state: State, token: CloudToken) -> CloudIdentity:
    if token.revoked:
        raise cloud_error(401, "Access token was revoked")
    if token.expires_at is not None and token.expires_at <= time.time():
        raise cloud_error(401, "Access token expired. Use your refresh token to obtain a new access token.")
    user = cloud_state(state).users.get(token.username) if token.username else None
    return CloudIdentity(token=token, user=user)


def require_authenticated(identity: CloudIdentity | None) -> CloudIdentity:
    if identity is None:
        raise cloud_error(401, "This API is only accessible with the following authentication types: "
                               "session, password, apppassword, api_token, oauth2, access_token")
    return identity


def require_scopes(identity: CloudIdentity | None, method: str, spec_path: str) -> None:
    if identity is None:
        return
    legacy, fine_grained = ENDPOINT_SCOPES[(method, spec_path)]
    if identity.fine_grained:
        required, granted = fine_grained, set(identity.token.scopes)
    else:
        required, granted = legacy, expand(identity.token.scopes)
    missing = [scope for scope in required if scope not in granted]
    if missing:
        raise cloud_error(
            403,
            "Your credentials lack one or more required privilege scopes.",
            {"granted": list(identity.token.scopes), "required": required},
            identity.headers(),
        )


def repo_permission(state: State, identity: CloudIdentity | None, repo: CloudRepository) -> int:
    """0 none, 1 read, 2 write, 3 admin."""
    public = READ if not repo.is_private else 0
    if identity is None:
        return public
    token = identity.token
    if identity.is_access_token:
        if not _token_covers(token, repo):
            return public
        scopes = expand(token.scopes)
        if "repository:admin" in scopes:
            return ADMIN
        return WRITE if "repository:write" in scopes else READ
    user = identity.user
    if user is None:
        return public
    workspace = cloud_state(state).workspaces.get(repo.workspace)
    role = workspace.members.get(user.username) if workspace else None
    level = ADMIN if role in ("owner", "admin") else READ if role == "member" else 0
    level = max(level, _REPO_PERMISSION_LEVELS.get(repo.permissions.get(user.username, ""), 0))
    return max(level, public)


def _token_covers(token: CloudToken, repo: CloudRepository) -> bool:
    if token.kind == "repository_access_token":
        return token.repository == repo.full_name
    if token.kind == "project_access_token":
        return token.workspace == repo.workspace and token.project_key == repo.project_key
    return token.workspace == repo.workspace

