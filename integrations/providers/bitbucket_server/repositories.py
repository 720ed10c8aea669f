"""Bitbucket Server / Data Center for projects: the repository lookup and repository webhooks
(`/rest/api/1.0/projects/{KEY}/repos/{slug}/webhooks`, REPO_ADMIN)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from integrations.providers.bitbucket_server import picker, statuses, webhooks
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import ProviderError, ProviderUnavailable
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
    return RemoteHook(id=str(data.get("id") or ""), url=str(data.get("url") or ""),
                      events=frozenset(data.get("events") or ()), active=bool(data.get("active")),
                      secret_set=None)


class ServerProjects:
    source_label = "Project"
    source_label_plural = "projects"
    mark_personal = False  # the personal project's name says "(personal)" itself
    repository_pattern = re.compile(r"^~?[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
    repository_example = "PROJECTKEY/slug or ~user/slug"
    webhook_scope = "REPO_ADMIN"
    admin_right = "REPO_ADMIN permission"
    webhooks = webhooks
    statuses = statuses
    delivery_id_header = "X-Request-Id"
    emulator = EmulatorHooks(flavour="server", push_event="repo:refs_changed", id_param="id", id_field="id")

    def webhook_scope_missing(self, have: set[str]) -> str:
        if self.webhook_scope in have or "PROJECT_ADMIN" in have:
            return ""
        return self.webhook_scope

    def sources(self, client: BitbucketServerClient, account: PickerAccount) -> list[Source]:
        return picker.sources(client, account)

    def repository_page(self, client: BitbucketServerClient, account: PickerAccount, source: Source, *, query: str,
                        page: int, page_size: int) -> RepositoryPage:
        return picker.repository_page(client, account, source, query=query, page=page, page_size=page_size)

    def resolve(self, client: BitbucketServerClient, repository: str) -> ResolvedRepository:
        owner, slug = split_repository(repository)
        data = client.repository(owner, slug)
        if not isinstance(data, dict):
            raise ProviderUnavailable("unexpected answer: not a repository", provider=client.session.provider)
        try:
            branch = client.session.get_json(f"/rest/api/1.0/projects/{quote(owner, safe='~')}/repos/"
                                             f"{quote(slug, safe='')}/branches/default")
        except ProviderError:
            branch = None  # unknown: the project falls back to main/master
        default_branch = str(branch.get("displayId") or "") if isinstance(branch, dict) else ""
        project_key = str((data.get("project") or {}).get("key") or owner)
        links = (data.get("links") or {}).get("self") or [{}]
        return ResolvedRepository(full_name=f"{project_key}/{data.get('slug') or slug}",
                                  name=str(data.get("name") or slug), remote_id=str(data.get("id") or ""),
                                  web_url=str(links[0].get("href") or "") if isinstance(links, list) else "",
                                  default_branch=default_branch)

    def list_hooks(self, client: BitbucketServerClient, repository: str) -> list[RemoteHook]:
        return [_hook(item) for item in client.webhooks(*split_repository(repository)) if isinstance(item, dict)]

    def create_hook(self, client: BitbucketServerClient, repository: str, *, url: str, events: list[str],
                    secret: str) -> RemoteHook:
        project, slug = split_repository(repository)
        return _hook(client.create_webhook(project, slug, name=HOOK_NAME, url=url, events=events, secret=secret,
                                           active=True))

    def update_hook(self, client: BitbucketServerClient, repository: str, hook_id: str, *, url: str,
                    events: list[str], secret: str) -> RemoteHook:
        project, slug = split_repository(repository)
        return _hook(client.update_webhook(project, slug, int(hook_id), name=HOOK_NAME, url=url, events=events,
                                           secret=secret, active=True))

    def delete_hook(self, client: BitbucketServerClient, repository: str, hook_id: str) -> None:
        client.delete_webhook(*split_repository(repository), int(hook_id))


PROJECTS = ServerProjects()
