from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from emulator.clock import now
from emulator.gitdata import GitData

# Repository permission levels, ordered; project permissions map onto them.
REPO_LEVELS = {"REPO_READ": 1, "REPO_WRITE": 2, "REPO_ADMIN": 3}
PROJECT_LEVELS = {"PROJECT_READ": 1, "PROJECT_WRITE": 2, "PROJECT_ADMIN": 3}
PERMISSIONS = tuple(REPO_LEVELS) + tuple(PROJECT_LEVELS)


@dataclass
class ServerUser:
    slug: str
    name: str
    display_name: str
    email: str
    id: int
    password: str | None = None
    sys_admin: bool = False


@dataclass
class Project:
    key: str
    name: str
    id: int
    description: str = ""
    public: bool = False
    personal_owner: str | None = None  # user slug for "~slug" personal projects
    # user slug -> PROJECT_READ | PROJECT_WRITE | PROJECT_ADMIN
    permissions: dict[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return "PERSONAL" if self.personal_owner else "NORMAL"


@dataclass
class ServerPullRequest:
    id: int
    title: str
    description: str
    from_branch: str
    to_branch: str
    from_hash: str
    to_hash: str
    author: str
    state: str = "OPEN"
    version: int = 0
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    closed: datetime | None = None
    merge_commit: str | None = None


@dataclass
class ServerHook:
    id: int
    name: str
    url: str
    events: list[str]
    active: bool = True
    secret: str | None = None
    ssl_verification_required: bool = True
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)


@dataclass
class ServerRepository:
    project_key: str
    slug: str
    name: str
    id: int
    git: GitData
    description: str = ""
    public: bool = False
    forkable: bool = True
    archived: bool = False
    hierarchy_id: str = ""
    # user slug -> REPO_READ | REPO_WRITE | REPO_ADMIN
    permissions: dict[str, str] = field(default_factory=dict)
    pull_requests: dict[int, ServerPullRequest] = field(default_factory=dict)
    webhooks: dict[int, ServerHook] = field(default_factory=dict)


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    name: str
    redirect_uri: str
    scopes: list[str] = field(default_factory=list)


@dataclass
class ServerToken:
    """An HTTP access token (user, project or repository level) or an OAuth access token."""

    value: str
    kind: str  # http_access_token | oauth
    permissions: list[str]
    level: str = "user"  # user | project | repository
    username: str | None = None
    project_key: str | None = None
    repository_slug: str | None = None
    client_id: str | None = None
    name: str = ""
    expires_at: float | None = None
    revoked: bool = False
    # Project and repository tokens act as a bot user of their own (Bitbucket DC does the same).
    bot_id: int = 0


@dataclass
class ServerRefreshToken:
    value: str
    client_id: str
    username: str
    scopes: list[str]
    used: bool = False
    revoked: bool = False
