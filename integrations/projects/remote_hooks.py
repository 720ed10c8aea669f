"""One interface over Bitbucket Cloud's repository hooks and Bitbucket Server's repository webhooks.

The install, check and remove services speak to this; the two clients keep their own wire formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.projects.clients import Client
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.http import NotFound

HOOK_NAME = "SCM portal"  # Server webhooks need a name; Cloud shows it as the description


@dataclass(frozen=True)
class RemoteHook:
    id: str
    url: str
    events: frozenset[str]
    active: bool
    secret_set: bool | None  # Cloud says; Server never shows anything about the secret


def split_repository(repository: str) -> tuple[str, str]:
    owner, _, slug = repository.partition("/")
    return owner, slug


def same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class HookApi:
    """The hooks of one repository, through one connection's client."""

    def __init__(self, client: Client, repository: str) -> None:
        self.client = client
        self.owner, self.slug = split_repository(repository)
        self.cloud = isinstance(client, BitbucketCloudClient)

    def _hook(self, data: dict[str, Any]) -> RemoteHook:
        if self.cloud:
            return RemoteHook(id=str(data.get("uuid") or ""), url=str(data.get("url") or ""),
                              events=frozenset(data.get("events") or ()), active=bool(data.get("active")),
                              secret_set=data.get("secret_set"))
        return RemoteHook(id=str(data.get("id") or ""), url=str(data.get("url") or ""),
                          events=frozenset(data.get("events") or ()), active=bool(data.get("active")),
                          secret_set=None)

    def list(self) -> list[RemoteHook]:
        raw = self.client.hooks(self.owner, self.slug) if self.cloud else self.client.webhooks(self.owner, self.slug)
        return [self._hook(item) for item in raw if isinstance(item, dict)]

    def ours(self, url: str) -> list[RemoteHook]:
        return [hook for hook in self.list() if same_url(hook.url, url)]

    def create(self, *, url: str, events: list[str], secret: str) -> RemoteHook:
        if self.cloud:
            data = self.client.create_hook(self.owner, self.slug, url=url, events=events, secret=secret,
                                           description=HOOK_NAME, active=True)
        else:
            data = self.client.create_webhook(self.owner, self.slug, name=HOOK_NAME, url=url, events=events,
                                              secret=secret, active=True)
        return self._hook(data)

    def update(self, hook_id: str, *, url: str, events: list[str], secret: str) -> RemoteHook:
        if self.cloud:
            data = self.client.update_hook(self.owner, self.slug, hook_id, url=url, events=events, secret=secret,
                                           active=True)
        else:
            data = self.client.update_webhook(self.owner, self.slug, int(hook_id), name=HOOK_NAME, url=url,
                                              events=events, secret=secret, active=True)
        return self._hook(data)

    def delete(self, hook_id: str) -> bool:
        """Delete one hook; a hook already gone (404) counts as deleted."""
        try:
            if self.cloud:
                self.client.delete_hook(self.owner, self.slug, hook_id)
            else:
                self.client.delete_webhook(self.owner, self.slug, int(hook_id))
        except NotFound:
            return False
        return True
