"""Bitbucket Server / Data Center for projects: projects (and the personal one) and repository pages for
the picker, the repository lookup, and repository webhooks (`/rest/api/1.0/projects/{KEY}/repos/{slug}/webhooks`,
REPO_ADMIN)."""

from __future__ import annotations

import re
from typing import Any

from integrations.providers.bitbucket_server import webhooks
from integrations.providers.bitbucket_server.client import BitbucketServerClient
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

# Server has no "these repositories" filter: the admin set of a project is read in pages this big.
ADMIN_LIMIT = 1000
ADMIN_PAGES = 5


def _hook(data: dict[str, Any]) -> RemoteHook:
    return RemoteHook(id=str(data.get("id") or ""), url=str(data.get("url") or ""),
                      events=frozenset(data.get("events") or ()), active=bool(data.get("active")),
                      secret_set=None)


def _admin_slugs(client: BitbucketServerClient, project_key: str, query: str) -> set[str]:
    slugs: set[str] = set()
    start = 0
    for _ in range(ADMIN_PAGES):
        body = client.repository_page(project_key=project_key, name=query or None, permission="REPO_ADMIN",
                                      start=start, limit=ADMIN_LIMIT)
        slugs |= {str(r.get("slug", "")).lower() for r in body["values"] if isinstance(r, dict)}
        if body.get("isLastPage", True) or not isinstance(body.get("nextPageStart"), int):
            break
        start = body["nextPageStart"]
    return slugs


class ServerProjects:
    source_label = "Project"
    source_label_plural = "projects"
    mark_personal = False  # the personal project's name says "(personal)" itself
    repository_pattern = re.compile(r"^~?[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
    repository_example = "PROJECTKEY/slug or ~user/slug"
    webhook_scope = "REPO_ADMIN"
    admin_right = "REPO_ADMIN permission"
    webhooks = webhooks
    delivery_id_header = "X-Request-Id"
    emulator = EmulatorHooks(flavour="server", push_event="repo:refs_changed", id_param="id", id_field="id")

    def webhook_scope_missing(self, have: set[str]) -> str:
        if self.webhook_scope in have or "PROJECT_ADMIN" in have:
            return ""
        return self.webhook_scope

    def sources(self, client: BitbucketServerClient, *, username: str, display_name: str) -> list[Source]:
        out = []
        username = username or client.current_username() or ""
        if username:
            out.append(Source(key=f"~{username}", name=f"{display_name or username} (personal)", personal=True))
        for project in client.projects():
            key = str(project.get("key") or "")
            if key and not key.startswith("~"):
                out.append(Source(key=key, name=f"{project.get('name') or key} ({key})"))
        return out

    def repository_page(self, client: BitbucketServerClient, source: Source, *, query: str, page: int,
                        page_size: int, missing_scope: str) -> RepositoryPage:
        body = client.repository_page(project_key=source.key, name=query or None, permission="REPO_READ",
                                      start=(page - 1) * page_size, limit=page_size)
        repos = [r for r in body["values"] if isinstance(r, dict) and r.get("slug")]
        admin_slugs = _admin_slugs(client, source.key, query) if repos and not missing_scope else set()
        items = []
        for repo in repos:
            key = str((repo.get("project") or {}).get("key") or source.key)
            slug = str(repo["slug"])
            if missing_scope:
                selectable, reason = False, ("Your connection lacks the REPO_ADMIN scope, which installing a "
                                             "webhook needs.")
            elif slug.lower() in admin_slugs:
                selectable, reason = True, ""
            else:
                selectable, reason = False, "You lack REPO_ADMIN on this repository; installing a webhook needs it."
            items.append(RepositoryChoice(full_name=f"{key}/{slug}", name=str(repo.get("name") or slug),
                                          description=str(repo.get("description") or "")[:200],
                                          private=not repo.get("public", False), selectable=selectable,
                                          reason=reason))
        return RepositoryPage(source=source.key, query=query, page=page, items=items,
                              has_next=not body.get("isLastPage", True))

    def resolve(self, client: BitbucketServerClient, repository: str) -> ResolvedRepository:
        owner, slug = split_repository(repository)
        data = client.repository(owner, slug)
        if not isinstance(data, dict):
            raise ProviderUnavailable("unexpected answer: not a repository", provider=client.session.provider)
        project_key = str((data.get("project") or {}).get("key") or owner)
        links = (data.get("links") or {}).get("self") or [{}]
        return ResolvedRepository(full_name=f"{project_key}/{data.get('slug') or slug}",
                                  name=str(data.get("name") or slug), remote_id=str(data.get("id") or ""),
                                  web_url=str(links[0].get("href") or "") if isinstance(links, list) else "")

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
