"""Bitbucket Server / Data Center's repository picker: the personal project and the projects a connection
sees, then one page of a project's repositories with whether the user has REPO_ADMIN (webhooks need it)."""

from __future__ import annotations

from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.projects import PickerAccount, RepositoryChoice, RepositoryPage, Source

# Server has no "these repositories" filter: the admin set of a project is read in pages this big.
ADMIN_LIMIT = 1000
ADMIN_PAGES = 5


def sources(client: BitbucketServerClient, account: PickerAccount) -> list[Source]:
    out = []
    # Project and repository tokens act as a bot user that has no personal project.
    username = "" if account.resource else (account.username or client.current_username() or "")
    if username:
        out.append(Source(key=f"~{username}", name=f"{account.display_name or username} (personal)",
                          personal=True))
    for project in client.projects():
        key = str(project.get("key") or "")
        if key and not key.startswith("~"):
            out.append(Source(key=key, name=f"{project.get('name') or key} ({key})"))
    return out


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


def repository_page(client: BitbucketServerClient, account: PickerAccount, source: Source, *, query: str,
                    page: int, page_size: int) -> RepositoryPage:
    body = client.repository_page(project_key=source.key, name=query or None, permission="REPO_READ",
                                  start=(page - 1) * page_size, limit=page_size)
    repos = [r for r in body["values"] if isinstance(r, dict) and r.get("slug")]
    missing_scope = account.webhook_scope_missing
    admin_slugs = _admin_slugs(client, source.key, query) if repos and not missing_scope else set()
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
