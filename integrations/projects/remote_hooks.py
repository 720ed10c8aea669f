"""One interface over a repository's hooks at any provider with projects. The install, check and remove
services speak to this; each provider's `projects` support keeps its own wire format."""

from __future__ import annotations

from typing import Any

from integrations.providers.http import NotFound
from integrations.providers.projects import HOOK_NAME, ProjectSupport, RemoteHook, split_repository

__all__ = ["HOOK_NAME", "HookApi", "RemoteHook", "same_url", "split_repository"]


def same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class HookApi:
    """The hooks of one repository, through one connection's client."""

    def __init__(self, client: Any, repository: str, support: ProjectSupport) -> None:
        self.client = client
        self.repository = repository
        self.support = support

    def list(self) -> list[RemoteHook]:
        return self.support.list_hooks(self.client, self.repository)

    def ours(self, url: str) -> list[RemoteHook]:
        return [hook for hook in self.list() if same_url(hook.url, url)]

    def create(self, *, url: str, events: list[str], secret: str) -> RemoteHook:
        return self.support.create_hook(self.client, self.repository, url=url, events=events, secret=secret)

    def update(self, hook_id: str, *, url: str, events: list[str], secret: str) -> RemoteHook:
        return self.support.update_hook(self.client, self.repository, hook_id, url=url, events=events,
                                        secret=secret)

    def delete(self, hook_id: str) -> bool:
        """Delete one hook; a hook already gone (404) counts as deleted."""
        try:
            self.support.delete_hook(self.client, self.repository, hook_id)
        except NotFound:
            return False
        return True
