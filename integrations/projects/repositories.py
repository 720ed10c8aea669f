"""What the repository picker shows: a connection's workspaces (Cloud) or projects (Server), and one
page of repositories at a time, searched at the provider, with whether a webhook can be installed.

Paging is on demand (one provider page per screen, never the whole list), and answers are cached for
a short while per connection, so thousands of repositories stay fast and a back button is free.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.core.cache import cache

from integrations.models import Connection
from integrations.models.connection import Method
from integrations.projects.clients import client_for_connection
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import InsufficientScope, ProviderError, Unauthorized

PAGE_SIZE = 25
CACHE_SECONDS = 60
MAX_QUERY_CHARS = 100
# Server has no "these repositories" filter: the admin set of a project is read in pages this big.
SERVER_ADMIN_LIMIT = 1000
SERVER_ADMIN_PAGES = 5


class PickerUnavailable(Exception):
    """The provider could not list repositories now; the message is for the admin."""


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


def _cache_key(connection: Connection, *parts: object) -> str:
    # The connection's updated_at changes on reconnect and refresh: new scopes, new answers.
    # The integration's options too: an admin's new workspace limit applies at once.
    raw = json.dumps([connection.pk, connection.updated_at.isoformat() if connection.updated_at else "",
                      _workspace_limit(connection), *parts])
    return "projects:picker:" + hashlib.sha256(raw.encode()).hexdigest()


def _explain(exc: ProviderError, connection: Connection) -> PickerUnavailable:
    label = connection.integration.spec.label
    if isinstance(exc, Unauthorized):
        return PickerUnavailable(f"{label} rejected your connection's token. Reconnect on the Connections page.")
    if isinstance(exc, InsufficientScope):
        return PickerUnavailable(f"Your connection may not list repositories ({exc.detail}). Reconnect and grant "
                                 "the repository scopes.")
    return PickerUnavailable(f"{label} could not list repositories now: {exc.detail}. Try again in a moment.")


def webhook_scope_missing(connection: Connection) -> str:
    """The scope an OAuth connection lacks to install webhooks, or ''. Tokens are judged at install time."""
    if connection.method != Method.OAUTH:
        return ""
    have = connection.integration.scm_provider.effective_scopes(connection.granted_scopes or ())
    wanted = "REPO_ADMIN" if connection.integration.provider == "bitbucket-server" else "webhook"
    if connection.integration.provider == "bitbucket-server" and "PROJECT_ADMIN" in have:
        return ""
    return "" if wanted in have else wanted


def repository_sources(connection: Connection) -> list[Source]:
    key = _cache_key(connection, "sources")
    cached = cache.get(key)
    if cached is not None:
        return [Source(**item) for item in cached]
    try:
        with client_for_connection(connection) as client:
            sources = _cloud_sources(client, connection) if isinstance(client, BitbucketCloudClient) \
                else _server_sources(client, connection)
    except ProviderError as exc:
        raise _explain(exc, connection) from None
    cache.set(key, [asdict(s) for s in sources], CACHE_SECONDS)
    return sources


def _workspace_limit(connection: Connection) -> str:
    """The one workspace an org admin limited this Bitbucket Cloud integration to, or ''."""
    return str((connection.integration.options or {}).get("workspace") or "").lower()


def _access_token_scope(connection: Connection) -> tuple[str, str, str]:
    """(workspace, project key, repository full name) an access token belongs to, from what its check found
    ("repository acme/webapp", "project PLAT in acme", "workspace acme")."""
    words = (connection.resource or "").split()
    if len(words) == 2 and words[0] == "repository":
        return words[1].split("/")[0], "", words[1].lower()
    if len(words) == 4 and words[0] == "project":
        return words[3], words[1], ""
    if len(words) == 2 and words[0] == "workspace":
        return words[1], "", ""
    return "", "", ""


def _cloud_sources(client: BitbucketCloudClient, connection: Connection) -> list[Source]:
    limit = _workspace_limit(connection)
    if connection.method == Method.ACCESS_TOKEN:
        # An access token has no user and no workspace list: its own workspace is the one source.
        workspace = _access_token_scope(connection)[0]
        return [Source(key=workspace, name=workspace)] if workspace and limit in ("", workspace.lower()) else []
    out = []
    for access in client.workspaces():
        workspace = access.get("workspace") or {}
        slug = str(workspace.get("slug") or "")
        if slug and limit in ("", slug.lower()):
            out.append(Source(key=slug, name=str(workspace.get("name") or slug),
                              personal=slug.lower() == (connection.username or "").lower(),
                              admin=bool(access.get("administrator"))))
    return sorted(out, key=lambda s: (not s.personal, s.name.lower()))


def _server_sources(client: BitbucketServerClient, connection: Connection) -> list[Source]:
    out = []
    # Project and repository tokens act as a bot user that has no personal project.
    username = "" if connection.resource else (connection.username or client.current_username() or "")
    if username:
        out.append(Source(key=f"~{username}", name=f"{connection.display_name or username} (personal)",
                          personal=True))
    for project in client.projects():
        key = str(project.get("key") or "")
        if key and not key.startswith("~"):
            out.append(Source(key=key, name=f"{project.get('name') or key} ({key})"))
    return out


def repository_page(connection: Connection, source: str, *, query: str = "", page: int = 1) -> RepositoryPage:
    query = " ".join(query.split())[:MAX_QUERY_CHARS]
    page = max(1, page)
    key = _cache_key(connection, "page", source, query, page)
    cached = cache.get(key)
    if cached is not None:
        cached["items"] = [RepositoryChoice(**item) for item in cached["items"]]
        return RepositoryPage(**cached)
    sources = {s.key.lower(): s for s in repository_sources(connection)}
    chosen = sources.get(source.lower())
    if chosen is None:
        raise PickerUnavailable("Choose a workspace or project from the list.")
    try:
        with client_for_connection(connection) as client:
            if isinstance(client, BitbucketCloudClient):
                result = _cloud_page(client, connection, chosen, query, page)
            else:
                result = _server_page(client, connection, chosen, query, page)
    except ProviderError as exc:
        raise _explain(exc, connection) from None
    cache.set(key, {**asdict(result), "items": [asdict(i) for i in result.items]}, CACHE_SECONDS)
    return result


def _bbql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cloud_page(client: BitbucketCloudClient, connection: Connection, source: Source, query: str,
                page: int) -> RepositoryPage:
    search = f"name ~ {_bbql_string(query)}" if query else None
    body = client.repository_page(source.key, role="member", q=search, sort="name", page=page, pagelen=PAGE_SIZE)
    repos = [r for r in body["values"] if isinstance(r, dict) and r.get("full_name")]
    missing_scope = webhook_scope_missing(connection)
    if connection.method == Method.ACCESS_TOKEN:
        return _access_token_page(connection, source, query, page, body, repos)
    admin_names: set[str] = set()
    if repos and not missing_scope and not source.admin:
        # One more request for this page only: which of these may the user administer?
        names = " OR ".join(f"full_name = {_bbql_string(r['full_name'])}" for r in repos)
        admins = client.repository_page(source.key, role="admin", q=f"({names})", page=1, pagelen=PAGE_SIZE)
        admin_names = {str(r.get("full_name")).lower() for r in admins["values"] if isinstance(r, dict)}
    items = []
    for repo in repos:
        full_name = str(repo["full_name"])
        if missing_scope:
            selectable, reason = False, "Your connection lacks the webhook scope, which installing a webhook needs."
        elif source.admin or full_name.lower() in admin_names:
            selectable, reason = True, ""
        else:
            selectable, reason = False, "You are not an admin of this repository; installing a webhook needs admin."
        items.append(RepositoryChoice(full_name=full_name, name=str(repo.get("name") or full_name),
                                      description=str(repo.get("description") or "")[:200],
                                      private=bool(repo.get("is_private", True)), selectable=selectable,
                                      reason=reason))
    return RepositoryPage(source=source.key, query=query, page=page, items=items, has_next=bool(body.get("next")),
                          total=body.get("size") if isinstance(body.get("size"), int) else None)


def _access_token_page(connection: Connection, source: Source, query: str, page: int, body: dict,
                       repos: list[dict]) -> RepositoryPage:
    """An access token installs hooks where it reaches, if it has the webhook scope; public repositories of
    the workspace it does not cover are shown but cannot be chosen."""
    _, project, repository = _access_token_scope(connection)
    can_hook = "webhook" in connection.integration.scm_provider.effective_scopes(connection.granted_scopes or ())
    items = []
    for repo in repos:
        full_name = str(repo["full_name"])
        covered = (full_name.lower() == repository if repository else
                   str((repo.get("project") or {}).get("key") or "") == project if project else True)
        if not covered:
            selectable, reason = False, f"The access token reaches only {connection.resource}."
        elif not can_hook:
            selectable, reason = False, "The access token lacks the webhook scope, which installing a webhook needs."
        else:
            selectable, reason = True, ""
        items.append(RepositoryChoice(full_name=full_name, name=str(repo.get("name") or full_name),
                                      description=str(repo.get("description") or "")[:200],
                                      private=bool(repo.get("is_private", True)), selectable=selectable,
                                      reason=reason))
    return RepositoryPage(source=source.key, query=query, page=page, items=items, has_next=bool(body.get("next")),
                          total=body.get("size") if isinstance(body.get("size"), int) else None)


def _server_admin_slugs(client: BitbucketServerClient, project_key: str, query: str) -> set[str]:
    slugs: set[str] = set()
    start = 0
    for _ in range(SERVER_ADMIN_PAGES):
        body = client.repository_page(project_key=project_key, name=query or None, permission="REPO_ADMIN",
                                      start=start, limit=SERVER_ADMIN_LIMIT)
        slugs |= {str(r.get("slug", "")).lower() for r in body["values"] if isinstance(r, dict)}
        if body.get("isLastPage", True) or not isinstance(body.get("nextPageStart"), int):
            break
        start = body["nextPageStart"]
    return slugs


def _server_page(client: BitbucketServerClient, connection: Connection, source: Source, query: str,
                 page: int) -> RepositoryPage:
    body = client.repository_page(project_key=source.key, name=query or None, permission="REPO_READ",
                                  start=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    repos = [r for r in body["values"] if isinstance(r, dict) and r.get("slug")]
    missing_scope = webhook_scope_missing(connection)
    admin_slugs = _server_admin_slugs(client, source.key, query) if repos and not missing_scope else set()
    items = []
    for repo in repos:
        key = str((repo.get("project") or {}).get("key") or source.key)
        slug = str(repo["slug"])
        if missing_scope:
            selectable, reason = False, "Your connection lacks the REPO_ADMIN scope, which installing a webhook needs."
        elif slug.lower() in admin_slugs:
            selectable, reason = True, ""
        else:
            selectable, reason = False, "You lack REPO_ADMIN on this repository; installing a webhook needs it."
        items.append(RepositoryChoice(full_name=f"{key}/{slug}", name=str(repo.get("name") or slug),
                                      description=str(repo.get("description") or "")[:200],
                                      private=not repo.get("public", False), selectable=selectable, reason=reason))
    return RepositoryPage(source=source.key, query=query, page=page, items=items,
                          has_next=not body.get("isLastPage", True))
