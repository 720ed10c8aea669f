"""What a provider gives projects (issue 8): the repository picker's pages, the repository lookup, the webhook
wire format, the hook calls and the wording. A provider with projects sets `Provider.projects` to an object
meeting `ProjectSupport`; `integrations/projects/repositories.py` caches and explains what it answers.

No Django here: plain data in and out, the provider's API client passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ResolvedRepository:
    full_name: str
    name: str
    remote_id: str
    web_url: str
    default_branch: str = ""  # "" when unknown: the project falls back to main/master


@dataclass(frozen=True)
class RemoteHook:
    id: str
    url: str
    events: frozenset[str]
    active: bool
    secret_set: bool | None  # None where the provider never shows anything about the secret


@dataclass(frozen=True)
class EmulatorHooks:
    """How the demo's buttons drive this provider's emulator flavour (push, delete a hook)."""

    flavour: str
    push_event: str
    id_param: str  # the control API's parameter naming a hook
    id_field: str  # the hook's id in the control API's listing


@dataclass(frozen=True)
class PickerAccount:
    """The connection the repository picker browses with, as plain data."""

    username: str
    display_name: str
    method: str  # Connection.method: "oauth", "access-token", "api-token", ...
    resource: str  # what a token that belongs to no user reaches ("workspace acme"); "" otherwise
    scopes: frozenset[str]  # the granted scopes and every scope they imply
    options: Mapping[str, str]  # the integration's provider options (a Bitbucket Cloud workspace limit)
    webhook_scope_missing: str  # the scope an OAuth connection lacks to install webhooks, or ""


@dataclass(frozen=True)
class Source:
    key: str  # Cloud workspace slug; Server project key (personal: ~user)
    name: str
    personal: bool = False
    admin: bool = False  # Cloud: workspace administrator (admin of every repository in it)


@dataclass(frozen=True)
class RepositoryChoice:
    full_name: str  # what a project is created from: workspace/slug, KEY/slug, ~user/slug
    name: str
    description: str = ""
    private: bool = True
    selectable: bool = True
    reason: str = ""


@dataclass
class RepositoryPage:
    source: str
    query: str
    page: int
    items: list[RepositoryChoice] = field(default_factory=list)
    has_next: bool = False
    total: int | None = None

    @property
    def has_previous(self) -> bool:
        return self.page > 1


HOOK_NAME = "SCM portal"  # Server webhooks need a name; Cloud shows it as the description


def split_repository(repository: str) -> tuple[str, str]:
    owner, _, slug = repository.partition("/")
    return owner, slug


@runtime_checkable
class ProjectSupport(Protocol):
    # Wording: "Workspace" / "Project", "workspaces" / "projects", "(personal)" shown after personal sources.
    source_label: str
    source_label_plural: str
    mark_personal: bool
    # Repository names as typed in the API: a full-match pattern and an example for the error.
    repository_pattern: re.Pattern[str]
    repository_example: str
    # The OAuth scope installing a webhook needs, and the repository right, in the provider's words.
    webhook_scope: str
    admin_right: str
    # The payload module (SUBSCRIBED_EVENTS, HANDLED_EVENTS, PING_EVENTS, parse) and the delivery id header.
    webhooks: ModuleType
    delivery_id_header: str
    # The commit build-status module (`post_build_status`, `commit_api_url`) prebuilds report through.
    statuses: ModuleType
    emulator: EmulatorHooks

    def webhook_scope_missing(self, have: set[str]) -> str: ...

    # The picker: the sources (workspaces, projects) the account sees, then one page of a source's
    # repositories, searched at the provider, each saying whether a webhook can be installed.
    def sources(self, client: Any, account: PickerAccount) -> list[Source]: ...

    def repository_page(self, client: Any, account: PickerAccount, source: Source, *, query: str, page: int,
                        page_size: int) -> RepositoryPage: ...

    def resolve(self, client: Any, repository: str) -> ResolvedRepository: ...

    def list_hooks(self, client: Any, repository: str) -> list[RemoteHook]: ...

    def create_hook(self, client: Any, repository: str, *, url: str, events: list[str], secret: str) -> RemoteHook:
        ...

    def update_hook(self, client: Any, repository: str, hook_id: str, *, url: str, events: list[str],
                    secret: str) -> RemoteHook: ...

    def delete_hook(self, client: Any, repository: str, hook_id: str) -> None: ...
