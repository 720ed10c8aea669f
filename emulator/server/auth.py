"""Who is calling the Server REST API and what they may do.

A user's own permission (project, repository, personal project, public) is capped by the
credential: an HTTP access token's permissions or an OAuth token's scopes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from emulator.httpcore import Request
from emulator.oauth_common import basic_credentials, bearer_token, secrets_equal
from emulator.server.errors import server_error
from emulator.server.models import PROJECT_LEVELS, REPO_LEVELS, Project, ServerRepository, ServerToken, ServerUser
from emulator.server.state import server_settings, server_state
from emulator.store import State

INCORRECT_CREDENTIALS = "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"
OAUTH_SCOPES = {"PUBLIC_REPOS": 1, "REPO_READ": 1, "REPO_WRITE": 2, "REPO_ADMIN": 3, "PROJECT_ADMIN": 3,
                "ACCOUNT_WRITE": 0, "ADMIN_WRITE": 3, "SYSTEM_ADMIN": 3}
READ, WRITE, ADMIN = 1, 2, 3


@dataclass
class ServerIdentity:
    user: ServerUser | None
    token: ServerToken | None = None

    @property
    def username(self) -> str:
        if self.user is not None:
            return self.user.slug
        assert self.token is not None
        return f"bot-{self.token.level}-token-{self.token.bot_id}"

    def headers(self) -> list[tuple[str, str]]:
        return [("X-AUSERNAME", self.username)]

    def cap(self, repo: ServerRepository | None = None, public: bool = False) -> int:
        """The most this credential allows, whatever the user's own permission."""
        token = self.token
        if token is None:
            return ADMIN
        if token.kind == "oauth":
            scopes = set(token.permissions)
            best = max((OAUTH_SCOPES.get(s, 0) for s in scopes if s != "PUBLIC_REPOS"), default=0)
            if best == 0 and "PUBLIC_REPOS" in scopes and public:
                return READ
            return best
        levels = [REPO_LEVELS.get(p, PROJECT_LEVELS.get(p, 0)) for p in token.permissions]
        return max(levels, default=0)


def authenticate(state: State, request: Request) -> ServerIdentity | None:
    token_value = bearer_token(request)
    server = server_state(state)
    if token_value is not None:
        token = server.tokens.get(token_value)
        if token is None:
            raise _failed()
        return _checked(state, token)
    basic = basic_credentials(request)
    if basic is None:
        if request.header("Authorization"):
            raise _failed()
        return None
    login, secret = basic
    user = server.user_by_name(login)
    if user is None:
        raise _failed()
    token = server.tokens.get(secret)
    # Only user-level HTTP access tokens work as a password, and only for their own user.
    if token is not None and token.kind == "http_access_token" and token.level == "user" \
            and token.username == user.slug:
        return _checked(state, token)
    if user.password and secrets_equal(secret, user.password):
        return ServerIdentity(user=user)
    raise _failed()


# HTTP access tokens arrived in Bitbucket Server 7.14; an older instance knows no such credential.
MIN_TOKEN_VERSION = (7, 14)


def _version(value: str) -> tuple[int, ...]:
    parts = []
    for part in value.split("-")[0].split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def _checked(state: State, token: ServerToken) -> ServerIdentity:
    if token.kind == "http_access_token" and _version(server_settings(state.settings).version) < MIN_TOKEN_VERSION:
        raise _failed()
    if token.revoked or (token.expires_at is not None and token.expires_at <= time.time()):
        raise _failed()
    user = server_state(state).users.get(token.username) if token.username else None
    if token.level in ("project", "repository"):
        user = None
    return ServerIdentity(user=user, token=token)


def _failed():
    return server_error(401, "Authentication failed. Please check your credentials and try again.",
                        INCORRECT_CREDENTIALS)


def user_repo_level(state: State, user: ServerUser | None, repo: ServerRepository) -> int:
    project = server_state(state).projects[repo.project_key]
    public = READ if (repo.public or project.public) else 0
    if user is None:
        return public
    if user.sys_admin or project.personal_owner == user.slug:
        return ADMIN
    level = PROJECT_LEVELS.get(project.permissions.get(user.slug, ""), 0)
    level = max(level, REPO_LEVELS.get(repo.permissions.get(user.slug, ""), 0))
    return max(level, public)


def repo_level(state: State, identity: ServerIdentity | None, repo: ServerRepository) -> int:
    project = server_state(state).projects[repo.project_key]
    public = repo.public or project.public
    if identity is None:
        return READ if public else 0
    token = identity.token
    if token is not None and token.level == "project":
        own = identity.cap() if token.project_key == repo.project_key else 0
        return max(own, READ if public else 0)
    if token is not None and token.level == "repository":
        own = identity.cap() if (token.project_key, token.repository_slug) == (repo.project_key, repo.slug) else 0
        return max(own, READ if public else 0)
    return min(user_repo_level(state, identity.user, repo), identity.cap(repo, public))


def project_visible(state: State, identity: ServerIdentity | None, project: Project) -> bool:
    if project.public:
        return True
    if any(repo_level(state, identity, repo) >= READ
           for (key, _), repo in server_state(state).repos.items() if key == project.key):
        return True
    if identity is None or identity.cap() < READ:
        return False
    token = identity.token
    if token is not None and token.level in ("project", "repository"):
        return token.level == "project" and token.project_key == project.key
    user = identity.user
    return user is not None and (user.sys_admin or project.personal_owner == user.slug
                                 or user.slug in project.permissions)
