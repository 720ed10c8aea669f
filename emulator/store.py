"""All in-memory state, behind one lock. ``reset()`` puts it back to an empty emulator."""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.cloud.models import (
    CloudRefreshToken,
    CloudRepository,
    CloudToken,
    CloudUser,
    Consumer,
    Workspace,
)
from emulator.config import Settings
from emulator.server.models import (
    OAuthClient,
    Project,
    ServerRefreshToken,
    ServerRepository,
    ServerToken,
    ServerUser,
)


@dataclass
class PendingAuthorization:
    """An authorize request waiting for the user to press Grant or Cancel on the consent page."""

    flavour: str  # cloud | server
    client_id: str
    redirect_uri: str
    state: str | None
    scopes: list[str]
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    redirect_uri_given: bool = False


@dataclass
class AuthorizationCode:
    flavour: str
    client_id: str
    username: str
    scopes: list[str]
    redirect_uri: str | None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    expires_at: float = 0.0


@dataclass
class Fault:
    path: str
    kind: str  # latency | status | rate_limit | drop
    method: str | None = None
    status: int = 503
    retry_after: int = 1
    delay_ms: int = 0
    times: int | None = None  # None = every matching request
    hits: int = 0


@dataclass
class State:
    settings: Settings
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Cloud
    cloud_users: dict[str, CloudUser] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    cloud_repos: dict[str, CloudRepository] = field(default_factory=dict)  # "ws/slug"
    consumers: dict[str, Consumer] = field(default_factory=dict)
    cloud_tokens: dict[str, CloudToken] = field(default_factory=dict)
    cloud_refresh_tokens: dict[str, CloudRefreshToken] = field(default_factory=dict)
    # Server
    server_users: dict[str, ServerUser] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)  # key upper-cased ("~SLUG" too)
    server_repos: dict[tuple[str, str], ServerRepository] = field(default_factory=dict)
    oauth_clients: dict[str, OAuthClient] = field(default_factory=dict)
    server_tokens: dict[str, ServerToken] = field(default_factory=dict)
    server_refresh_tokens: dict[str, ServerRefreshToken] = field(default_factory=dict)
    # Shared
    pending: dict[str, PendingAuthorization] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        return next(self.ids)

    def reset(self, settings: Settings) -> None:
        with self.lock:
            fresh = State(settings=settings)
            for name in self.__dataclass_fields__:
                if name != "lock":
                    setattr(self, name, getattr(fresh, name))

    # Lookups used by several modules ---------------------------------------------------------

    def server_repo(self, project_key: str, slug: str) -> ServerRepository | None:
        return self.server_repos.get((project_key.upper(), slug.lower()))

    def server_user_by_name(self, name: str) -> ServerUser | None:
        lowered = name.lower()
        for user in self.server_users.values():
            if user.name.lower() == lowered or user.slug == lowered:
                return user
        return None

    def cloud_user_by_email(self, email: str) -> CloudUser | None:
        lowered = email.lower()
        for user in self.cloud_users.values():
            if user.email.lower() == lowered:
                return user
        return None


def new_secret(prefix: str = "", length: int = 32) -> str:
    return prefix + secrets.token_urlsafe(length)
