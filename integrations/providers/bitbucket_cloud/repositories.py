"""Bitbucket Cloud for projects: workspaces and repository pages for the picker (BBQL search), the
repository lookup, and repository hooks (`/2.0/repositories/{ws}/{slug}/hooks`)."""

from __future__ import annotations

import re
from typing import Any

from integrations.providers.bitbucket_cloud import webhooks
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.http import ProviderUnavailable
from integrations.providers.projects import (
    HOOK_NAME,
    EmulatorHooks,
    RemoteHook,
    RepositoryChoice,
    RepositoryPage,
    ResolvedRepository,
    Source,
    split_repository,
)


def _bbql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
    delivery_id_header = "X-Request-UUID"
    emulator = EmulatorHooks(flavour="cloud", push_event="repo:push", id_param="uid", id_field="uuid")

    def webhook_scope_missing(self, have: set[str]) -> str:
        return "" if self.webhook_scope in have else self.webhook_scope

    def sources(self, client: BitbucketCloudClient, *, username: str, display_name: str) -> list[Source]:
        out = []
        for access in client.workspaces():
            workspace = access.get("workspace") or {}
            slug = str(workspace.get("slug") or "")
            if slug:
                out.append(Source(key=slug, name=str(workspace.get("name") or slug),
                                  personal=slug.lower() == (username or "").lower(),
                                  admin=bool(access.get("administrator"))))
        return sorted(out, key=lambda s: (not s.personal, s.name.lower()))

    def repository_page(self, client: BitbucketCloudClient, source: Source, *, query: str, page: int,
                        page_size: int, missing_scope: str) -> RepositoryPage:
        search = f"name ~ {_bbql_string(query)}" if query else None
        body = client.repository_page(source.key, role="member", q=search, sort="name", page=page,
                                      pagelen=page_size)
        repos = [r for r in body["values"] if isinstance(r, dict) and r.get("full_name")]
        admin_names: set[str] = set()
        if repos and not missing_scope and not source.admin:
            # One more request for this page only: which of these may the user administer?
            names = " OR ".join(f"full_name = {_bbql_string(r['full_name'])}" for r in repos)
            admins = client.repository_page(source.key, role="admin", q=f"({names})", page=1, pagelen=page_size)
            admin_names = {str(r.get("full_name")).lower() for r in admins["values"] if isinstance(r, dict)}
        items = []
        for repo in repos:
            full_name = str(repo["full_name"])
            if missing_scope:
                selectable, reason = False, ("Your connection lacks the webhook scope, which installing a webhook "
                                             "needs.")
            elif source.admin or full_name.lower() in admin_names:
                selectable, reason = True, ""
            else:
                selectable, reason = False, ("You are not an admin of this repository; installing a webhook needs "
                                             "admin.")
            items.append(RepositoryChoice(full_name=full_name, name=str(repo.get("name") or full_name),
                                          description=str(repo.get("description") or "")[:200],
                                          private=bool(repo.get("is_private", True)), selectable=selectable,
                                          reason=reason))
        return RepositoryPage(source=source.key, query=query, page=page, items=items,
                              has_next=bool(body.get("next")),
                              total=body.get("size") if isinstance(body.get("size"), int) else None)

    def resolve(self, client: BitbucketCloudClient, repository: str) -> ResolvedRepository:
        workspace, slug = split_repository(repository)
        data = client.repository(workspace, slug)
        if not isinstance(data, dict):
            raise ProviderUnavailable("unexpected answer: not a repository", provider=client.session.provider)
        html = ((data.get("links") or {}).get("html") or {}).get("href") or ""
        return ResolvedRepository(full_name=str(data.get("full_name") or repository),
                                  name=str(data.get("name") or slug), remote_id=str(data.get("uuid") or ""),
                                  web_url=str(html))

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
