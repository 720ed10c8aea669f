"""Bitbucket Cloud's repository picker: the workspaces a connection sees, then one page of a workspace's
repositories with whether the user may install a webhook (admin of the repository or of the workspace)."""

from __future__ import annotations

from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.projects import PickerAccount, RepositoryChoice, RepositoryPage, Source

# Connection.method of a repository/project/workspace access token (a token without a user).
_ACCESS_TOKEN = "access-token"


def workspace_limit(account: PickerAccount) -> str:
    """The one workspace an org admin limited this integration to, or ''."""
    return str(account.options.get("workspace") or "").lower()


def access_token_scope(account: PickerAccount) -> tuple[str, str, str]:
    """(workspace, project key, repository full name) an access token belongs to, from what its check found
    ("repository acme/webapp", "project PLAT in acme", "workspace acme")."""
    words = (account.resource or "").split()
    if len(words) == 2 and words[0] == "repository":
        return words[1].split("/")[0], "", words[1].lower()
    if len(words) == 4 and words[0] == "project":
        return words[3], words[1], ""
    if len(words) == 2 and words[0] == "workspace":
        return words[1], "", ""
    return "", "", ""


def sources(client: BitbucketCloudClient, account: PickerAccount) -> list[Source]:
    limit = workspace_limit(account)
    if account.method == _ACCESS_TOKEN:
        # An access token has no user and no workspace list: its own workspace is the one source.
        workspace = access_token_scope(account)[0]
        return [Source(key=workspace, name=workspace)] if workspace and limit in ("", workspace.lower()) else []
    out = []
    for access in client.workspaces():
        workspace = access.get("workspace") or {}
        slug = str(workspace.get("slug") or "")
        if slug and limit in ("", slug.lower()):
            out.append(Source(key=slug, name=str(workspace.get("name") or slug),
                              personal=slug.lower() == (account.username or "").lower(),
                              admin=bool(access.get("administrator"))))
    return sorted(out, key=lambda s: (not s.personal, s.name.lower()))


def _bbql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _choice(repo: dict, *, selectable: bool, reason: str) -> RepositoryChoice:
    full_name = str(repo["full_name"])
    return RepositoryChoice(full_name=full_name, name=str(repo.get("name") or full_name),
                            description=str(repo.get("description") or "")[:200],
                            private=bool(repo.get("is_private", True)), selectable=selectable, reason=reason)


def repository_page(client: BitbucketCloudClient, account: PickerAccount, source: Source, *, query: str,
                    page: int, page_size: int) -> RepositoryPage:
    search = f"name ~ {_bbql_string(query)}" if query else None
    body = client.repository_page(source.key, role="member", q=search, sort="name", page=page, pagelen=page_size)
    repos = [r for r in body["values"] if isinstance(r, dict) and r.get("full_name")]
    if account.method == _ACCESS_TOKEN:
        items = _access_token_choices(account, repos)
    else:
        items = _member_choices(client, account, source, repos, page_size)
    return RepositoryPage(source=source.key, query=query, page=page, items=items, has_next=bool(body.get("next")),
                          total=body.get("size") if isinstance(body.get("size"), int) else None)


def _member_choices(client: BitbucketCloudClient, account: PickerAccount, source: Source, repos: list[dict],
                    page_size: int) -> list[RepositoryChoice]:
    missing_scope = account.webhook_scope_missing
    admin_names: set[str] = set()
    if repos and not missing_scope and not source.admin:
        # One more request for this page only: which of these may the user administer?
        names = " OR ".join(f"full_name = {_bbql_string(r['full_name'])}" for r in repos)
        admins = client.repository_page(source.key, role="admin", q=f"({names})", page=1, pagelen=page_size)
        admin_names = {str(r.get("full_name")).lower() for r in admins["values"] if isinstance(r, dict)}
    items = []
    for repo in repos:
        if missing_scope:
            selectable, reason = False, "Your connection lacks the webhook scope, which installing a webhook needs."
        elif source.admin or str(repo["full_name"]).lower() in admin_names:
            selectable, reason = True, ""
        else:
            selectable, reason = False, "You are not an admin of this repository; installing a webhook needs admin."
        items.append(_choice(repo, selectable=selectable, reason=reason))
    return items


def _access_token_choices(account: PickerAccount, repos: list[dict]) -> list[RepositoryChoice]:
    """An access token installs hooks where it reaches, if it has the webhook scope; public repositories of
    the workspace it does not cover are shown but cannot be chosen."""
    _, project, repository = access_token_scope(account)
    can_hook = "webhook" in account.scopes
    items = []
    for repo in repos:
        full_name = str(repo["full_name"])
        covered = (full_name.lower() == repository if repository else
                   str((repo.get("project") or {}).get("key") or "") == project if project else True)
        if not covered:
            selectable, reason = False, f"The access token reaches only {account.resource}."
        elif not can_hook:
            selectable, reason = False, "The access token lacks the webhook scope, which installing a webhook needs."
        else:
            selectable, reason = True, ""
        items.append(_choice(repo, selectable=selectable, reason=reason))
    return items
