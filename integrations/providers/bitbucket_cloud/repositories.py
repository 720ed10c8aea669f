"""Bitbucket Cloud for projects: the repository lookup and repository hooks (`/2.0/repositories/{ws}/{slug}/hooks`)."""

from __future__ import annotations

import re
from typing import Any

from integrations.providers.bitbucket_cloud import picker, statuses, webhooks
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.http import ProviderUnavailable
from integrations.providers.projects import (
    HOOK_NAME,
    EmulatorHooks,
    PickerAccount,
    RemoteHook,
    RepositoryPage,
    ResolvedRepository,
    Source,
    split_repository,
)


def _hook(data: dict[str, Any]) -> RemoteHook:
    return RemoteHook(id=str(data.get("uuid") or ""), url=str(data.get("url") or ""),
                      events=frozenset(data.get("events") or ()), active=bool(data.get("active")),
                      secret_set=data.get("secret_set"))


class CloudProjects:
    source_label = "Workspace"
    source_label_plural = "workspaces"
    mark_personal = True
    repository_pattern = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
    repository_example = "workspace/slug"
    webhook_scope = "webhook"
    admin_right = "admin rights"
    webhooks = webhooks
    statuses = statuses
    delivery_id_header = "X-Request-UUID"
    emulator = EmulatorHooks(flavour="cloud", push_event="repo:push", id_param="uid", id_field="uuid")

    def webhook_scope_missing(self, have: set[str]) -> str:
        return "" if self.webhook_scope in have else self.webhook_scope

    def sources(self, client: BitbucketCloudClient, account: PickerAccount) -> list[Source]:
        return picker.sources(client, account)

    def repository_page(self, client: BitbucketCloudClient, account: PickerAccount, source: Source, *, query: str,
                        page: int, page_size: int) -> RepositoryPage:
        return picker.repository_page(client, account, source, query=query, page=page, page_size=page_size)

    def resolve(self, client: BitbucketCloudClient, repository: str) -> ResolvedRepository:
        workspace, slug = split_repository(repository)
        data = client.repository(workspace, slug)
        if not isinstance(data, dict):
            raise ProviderUnavailable("unexpected answer: not a repository", provider=client.session.provider)
        html = ((data.get("links") or {}).get("html") or {}).get("href") or ""
        return ResolvedRepository(full_name=str(data.get("full_name") or repository),
                                  name=str(data.get("name") or slug), remote_id=str(data.get("uuid") or ""),
                                  web_url=str(html),
                                  default_branch=str((data.get("mainbranch") or {}).get("name") or ""))

    def list_hooks(self, client: BitbucketCloudClient, repository: str) -> list[RemoteHook]:
        return [_hook(item) for item in client.hooks(*split_repository(repository)) if isinstance(item, dict)]

    def create_hook(self, client: BitbucketCloudClient, repository: str, *, url: str, events: list[str],
                    secret: str) -> RemoteHook:
        workspace, slug = split_repository(repository)
        return _hook(client.create_hook(workspace, slug, url=url, events=events, secret=secret,
                                        description=HOOK_NAME, active=True))

    def update_hook(self, client: BitbucketCloudClient, repository: str, hook_id: str, *, url: str,
                    events: list[str], secret: str) -> RemoteHook:
        workspace, slug = split_repository(repository)
        return _hook(client.update_hook(workspace, slug, hook_id, url=url, events=events, secret=secret,
                                        active=True))

    def delete_hook(self, client: BitbucketCloudClient, repository: str, hook_id: str) -> None:
        client.delete_hook(*split_repository(repository), hook_id)


PROJECTS = CloudProjects()
