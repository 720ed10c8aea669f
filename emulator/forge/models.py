"""The state of one forge flavour (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field


@dataclass
class ForgeUser:
    id: int
    username: str
    display_name: str
    email: str
    email_verified: bool = True
    bot: bool = False


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    name: str
    redirect_uri: str
    scopes: list[str] = field(default_factory=list)  # what the app may be granted; empty: whatever is asked


@dataclass
class ForgeToken:
    value: str
    username: str
    kind: str  # oauth | personal | fine-grained | group | project
    scopes: list[str] = field(default_factory=list)
    name: str = ""
    client_id: str = ""
    expires_at: float | None = None
    revoked: bool = False
    id: int = 0

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at < time.time()


@dataclass
class ForgeRefreshToken:
    value: str
    client_id: str
    username: str
    scopes: list[str]
    used: bool = False
    revoked: bool = False


@dataclass
class ForgeRepository:
    id: int
    owner: str  # user, group path, or Azure project
    name: str
    private: bool = True
    members: dict[str, str] = field(default_factory=dict)  # username -> read | write | admin

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class ForgeSettings:
    """What the control API may change at run time (`POST /_emulator/<flavour>/settings`)."""

    url: str  # where the flavour is mounted, as clients see it
    access_token_ttl: int = 7200


@dataclass
class ForgeState:
    users: dict[str, ForgeUser] = field(default_factory=dict)
    apps: dict[str, OAuthApp] = field(default_factory=dict)
    tokens: dict[str, ForgeToken] = field(default_factory=dict)
    refresh_tokens: dict[str, ForgeRefreshToken] = field(default_factory=dict)
    repos: dict[str, ForgeRepository] = field(default_factory=dict)  # full_name.lower()
    ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self.ids)
