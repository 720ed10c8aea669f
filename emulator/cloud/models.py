from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from emulator.clock import now
from emulator.gitdata import GitData


def braced_uuid() -> str:
    return "{" + str(uuid.uuid4()) + "}"


@dataclass
class CloudUser:
    username: str
    display_name: str
    email: str
    uuid: str = field(default_factory=braced_uuid)
    account_id: str = field(default_factory=lambda: "557058:" + str(uuid.uuid4()))
    created_on: datetime = field(default_factory=now)
    # Extra addresses beyond the confirmed primary one: (email, is_confirmed).
    other_emails: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Workspace:
    slug: str
    name: str
    uuid: str = field(default_factory=braced_uuid)
    # username -> owner | admin | member ("collaborator" in Bitbucket's UI)
    members: dict[str, str] = field(default_factory=dict)
    # project key -> (name, uuid)
    projects: dict[str, tuple[str, str]] = field(default_factory=dict)
    created_on: datetime = field(default_factory=now)


@dataclass
class PullRequest:
    id: int
    title: str
    description: str
    source_branch: str
    destination_branch: str
    source_hash: str
    destination_hash: str
    author: str
    state: str = "OPEN"
    merge_commit: str | None = None
    created_on: datetime = field(default_factory=now)
    updated_on: datetime = field(default_factory=now)


@dataclass
class Issue:
    id: int
    title: str
    content: str
    reporter: str
    state: str = "new"
    kind: str = "bug"
    priority: str = "major"
    created_on: datetime = field(default_factory=now)
    updated_on: datetime = field(default_factory=now)


@dataclass
class CloudHook:
    uuid: str
    url: str
    description: str
    events: list[str]
    active: bool = True
    secret: str | None = None
    skip_cert_verification: bool = False
    created_at: datetime = field(default_factory=now)


@dataclass
class CloudRepository:
    workspace: str
    slug: str
    name: str
    git: GitData
    project_key: str = "PROJ"
    description: str = ""
    is_private: bool = True
    language: str = ""
    has_issues: bool = True
    uuid: str = field(default_factory=braced_uuid)
    # username -> read | write | admin, on top of what workspace membership gives
    permissions: dict[str, str] = field(default_factory=dict)
    pullrequests: dict[int, PullRequest] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    hooks: dict[str, CloudHook] = field(default_factory=dict)
    created_on: datetime = field(default_factory=now)
    updated_on: datetime = field(default_factory=now)

    @property
    def full_name(self) -> str:
        return f"{self.workspace}/{self.slug}"


@dataclass
class Consumer:
    key: str
    secret: str
    name: str
    callback_url: str
    # Bitbucket Cloud configures scopes on the consumer, not per authorize request.
    scopes: list[str]


@dataclass
class CloudToken:
    """One credential the REST API accepts (OAuth access token, API token, app password, access token)."""

    value: str
    kind: str
    scopes: list[str]
    username: str | None = None
    workspace: str | None = None
    repository: str | None = None  # "ws/slug" for repository access tokens
    project_key: str | None = None
    consumer_key: str | None = None
    expires_at: float | None = None  # time.time() seconds
    revoked: bool = False
    created_on: datetime = field(default_factory=now)


@dataclass
class CloudRefreshToken:
    value: str
    consumer_key: str
    username: str
    scopes: list[str]
    used: bool = False
    revoked: bool = False
