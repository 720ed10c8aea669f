"""What a provider gives projects (issue 8): the repository lookup, the webhook wire format, the hook calls
and the wording. A provider with projects sets `Provider.projects` to an object meeting `ProjectSupport`.
(The repository picker's pages still live in `integrations/projects/repositories.py`, by client type.)

No Django here: plain data in and out, the provider's API client passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    emulator: EmulatorHooks

    def webhook_scope_missing(self, have: set[str]) -> str: ...

    def resolve(self, client: Any, repository: str) -> ResolvedRepository: ...

    def list_hooks(self, client: Any, repository: str) -> list[RemoteHook]: ...

    def create_hook(self, client: Any, repository: str, *, url: str, events: list[str], secret: str) -> RemoteHook:
        ...

    def update_hook(self, client: Any, repository: str, hook_id: str, *, url: str, events: list[str],
                    secret: str) -> RemoteHook: ...

    def delete_hook(self, client: Any, repository: str, hook_id: str) -> None: ...
