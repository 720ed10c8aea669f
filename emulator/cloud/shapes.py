"""JSON shapes of Bitbucket Cloud objects, after the reference payloads and the Cloud OpenAPI schemas.

Where a real payload carries a link or field the schema forbids (``additionalProperties: false``),
the schema wins, because clients validate against it.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from emulator.clock import iso
from emulator.cloud.models import CloudHook, CloudRepository, CloudUser, Issue, PullRequest, Workspace
from emulator.cloud.state import cloud_settings, cloud_state
from emulator.config import Settings
from emulator.gitdata import Commit
from emulator.store import State

MERGE_STRATEGIES = ["merge_commit", "squash", "fast_forward", "squash_fast_forward", "rebase_fast_forward",
                    "rebase_merge"]


def link(href: str) -> dict[str, str]:
    return {"href": href}


class CloudUrls:
    def __init__(self, settings: Settings) -> None:
        self.web = cloud_settings(settings).url
        self.api = cloud_settings(settings).url + "/2.0"
        self.host = cloud_settings(settings).url.split("://", 1)[1].split(":", 1)[0]

    def repo_api(self, repo: CloudRepository) -> str:
        return f"{self.api}/repositories/{repo.full_name}"

    def repo_web(self, repo: CloudRepository) -> str:
        return f"{self.web}/{repo.full_name}"


def rendered(raw: str) -> dict[str, str]:
    return {"raw": raw, "markup": "markdown", "html": f"<p>{html.escape(raw.strip())}</p>" if raw.strip() else ""}


def account(settings: Settings, user: CloudUser) -> dict[str, Any]:
    urls = CloudUrls(settings)
    encoded = quote(user.uuid, safe="")
    return {
        "display_name": user.display_name,
        "links": {
            "self": link(f"{urls.api}/users/{encoded}"),
            "avatar": link(f"{urls.web}/account/{user.username}/avatar/"),
            "html": link(f"{urls.web}/{encoded}/"),
        },
        "type": "user",
        "uuid": user.uuid,
        "account_id": user.account_id,
        "nickname": user.username,
    }


def current_user(settings: Settings, user: CloudUser) -> dict[str, Any]:
    """GET /2.0/user: the caller sees a little more of themselves than others do."""
    out = account(settings, user)
    urls = CloudUrls(settings)
    out["links"]["repositories"] = link(f"{urls.api}/repositories/{quote(user.uuid, safe='')}")
    out.update({
        "username": user.username,
        "created_on": iso(user.created_on),
        "account_status": "active",
        "is_staff": False,
        "location": None,
        "website": None,
    })
    return out


def workspace_base(settings: Settings, workspace: Workspace) -> dict[str, Any]:
    urls = CloudUrls(settings)
    return {
        "type": "workspace_base",
        "uuid": workspace.uuid,
        "slug": workspace.slug,
        "links": {
            "avatar": link(f"{urls.web}/workspaces/{workspace.slug}/avatar/"),
            "self": link(f"{urls.api}/workspaces/{workspace.slug}"),
        },
    }


def workspace_full(settings: Settings, workspace: Workspace) -> dict[str, Any]:
    urls = CloudUrls(settings)
    return {
        "type": "workspace",
        "uuid": workspace.uuid,
        "name": workspace.name,
        "slug": workspace.slug,
        "is_private": True,
        "links": {
            "avatar": link(f"{urls.web}/workspaces/{workspace.slug}/avatar/"),
            "html": link(f"{urls.web}/{workspace.slug}/"),
            "self": link(f"{urls.api}/workspaces/{workspace.slug}"),
        },
    }


def project(settings: Settings, workspace: Workspace, key: str) -> dict[str, Any]:
    urls = CloudUrls(settings)
    name, uuid = workspace.projects.get(key, (key, "{00000000-0000-0000-0000-000000000000}"))
    return {
        "type": "project",
        "key": key,
        "uuid": uuid,
        "name": name,
        "links": {
            "html": link(f"{urls.web}/{workspace.slug}/workspace/projects/{key}"),
            "avatar": link(f"{urls.web}/{workspace.slug}/workspace/projects/{key}/avatar/32"),
        },
    }


def repository_summary(settings: Settings, repo: CloudRepository) -> dict[str, Any]:
    """The short form embedded in hooks, pull requests and webhook payloads."""
    urls = CloudUrls(settings)
    return {
        "type": "repository",
        "full_name": repo.full_name,
        "links": {
            "self": link(urls.repo_api(repo)),
            "html": link(urls.repo_web(repo)),
            "avatar": link(f"{urls.web}/ravatar/{quote(repo.uuid, safe='')}"),
        },
        "name": repo.name,
        "uuid": repo.uuid,
    }


def repository(state: State, repo: CloudRepository) -> dict[str, Any]:
    settings = state.settings
    urls = CloudUrls(settings)
    api, web = urls.repo_api(repo), urls.repo_web(repo)
    cloud = cloud_state(state)
    workspace = cloud.workspaces[repo.workspace]
    owner_name = next((u for u, role in workspace.members.items() if role == "owner"), None)
    owner = cloud.users.get(owner_name or "")
    out = repository_summary(settings, repo)
    out["links"].update({
        "pullrequests": link(f"{api}/pullrequests"),
        "commits": link(f"{api}/commits"),
        "forks": link(f"{api}/forks"),
        "watchers": link(f"{api}/watchers"),
        "downloads": link(f"{api}/downloads"),
        "hooks": link(f"{api}/hooks"),
        "clone": [
            {"name": "https", "href": f"{web}.git"},
            {"name": "ssh", "href": f"git@{urls.host}:{repo.full_name}.git"},
        ],
    })
    out.update({
        "slug": repo.slug,
        "scm": "git",
        "description": repo.description,
        "is_private": repo.is_private,
        "fork_policy": "no_public_forks" if repo.is_private else "allow_forks",
        "language": repo.language,
        "created_on": iso(repo.created_on),
        "updated_on": iso(repo.updated_on),
        "size": 1024 * (1 + len(repo.git.commits)),
        "has_issues": repo.has_issues,
        "has_wiki": False,
        "mainbranch": {"type": "branch", "name": repo.git.main_branch},
        "workspace": workspace_full(settings, workspace),
        "project": project(settings, workspace, repo.project_key),
        "owner": account(settings, owner) if owner else {
            "type": "team", "display_name": workspace.name, "uuid": workspace.uuid,
            "links": {"avatar": link(f"{urls.web}/workspaces/{workspace.slug}/avatar/")},
        },
    })
    return out


def commit(state: State, repo: CloudRepository, item: Commit, *, full: bool = True) -> dict[str, Any]:
    settings = state.settings
    urls = CloudUrls(settings)
    api, web = urls.repo_api(repo), urls.repo_web(repo)
    author: dict[str, Any] = {"type": "author", "raw": f"{item.author_name} <{item.author_email}>"}
    user = cloud_state(state).users.get(item.author_username or "")
    if user is not None:
        author["user"] = account(settings, user)
    out: dict[str, Any] = {
        "type": "commit",
        "hash": item.hash,
        "date": iso(item.date),
        "author": author,
        "message": item.message,
        "summary": rendered(item.message),
        "links": {
            "self": link(f"{api}/commit/{item.hash}"),
            "html": link(f"{web}/commits/{item.hash}"),
        },
        "parents": [
            {"type": "commit", "hash": parent,
             "links": {"self": link(f"{api}/commit/{parent}"), "html": link(f"{web}/commits/{parent}")}}
            for parent in item.parents
        ],
    }
    if full:
        out["links"].update({
            "diff": link(f"{api}/diff/{item.hash}"),
            "approve": link(f"{api}/commit/{item.hash}/approve"),
            "comments": link(f"{api}/commit/{item.hash}/comments"),
            "statuses": link(f"{api}/commit/{item.hash}/statuses"),
            "patch": link(f"{api}/patch/{item.hash}"),
        })
        out["repository"] = repository_summary(settings, repo)
    return out


def branch(state: State, repo: CloudRepository, name: str) -> dict[str, Any]:
    urls = CloudUrls(state.settings)
    api, web = urls.repo_api(repo), urls.repo_web(repo)
    head = repo.git.commits[repo.git.branches[name]]
    return {
        "type": "branch",
        "name": name,
        "target": commit(state, repo, head, full=False),
        "links": {
            "self": link(f"{api}/refs/branches/{quote(name, safe='/')}"),
            "commits": link(f"{api}/commits/{quote(name, safe='/')}"),
            "html": link(f"{web}/branch/{quote(name, safe='/')}"),
        },
        "merge_strategies": MERGE_STRATEGIES,
        "default_merge_strategy": "merge_commit",
    }


def tag(state: State, repo: CloudRepository, name: str) -> dict[str, Any]:
    urls = CloudUrls(state.settings)
    api, web = urls.repo_api(repo), urls.repo_web(repo)
    target = repo.git.commits[repo.git.tags[name]]
    return {
        "type": "tag",
        "name": name,
        "target": commit(state, repo, target, full=False),
        "message": f"Release {name}\n",
        "date": iso(target.date),
        "links": {
            "self": link(f"{api}/refs/tags/{quote(name, safe='/')}"),
            "commits": link(f"{api}/commits/{quote(name, safe='/')}"),
            "html": link(f"{web}/commits/tag/{quote(name, safe='/')}"),
        },
    }


def pullrequest(state: State, repo: CloudRepository, pr: PullRequest) -> dict[str, Any]:
    settings = state.settings
    urls = CloudUrls(settings)
    api = f"{urls.repo_api(repo)}/pullrequests/{pr.id}"
    author = cloud_state(state).users.get(pr.author)

    def endpoint(branch_name: str, commit_hash: str) -> dict[str, Any]:
        return {
            "repository": repository_summary(settings, repo),
            "branch": {"name": branch_name, "merge_strategies": MERGE_STRATEGIES,
                       "default_merge_strategy": "merge_commit"},
            "commit": {"hash": commit_hash[:12]},
        }

    out: dict[str, Any] = {
        "type": "pullrequest",
        "id": pr.id,
        "title": pr.title,
        "description": pr.description,
        "rendered": {"title": rendered(pr.title), "description": rendered(pr.description)},
        "summary": rendered(pr.description),
        "state": pr.state,
        "source": endpoint(pr.source_branch, pr.source_hash),
        "destination": endpoint(pr.destination_branch, pr.destination_hash),
        "comment_count": 0,
        "task_count": 0,
        "close_source_branch": False,
        "reason": "",
        "created_on": iso(pr.created_on),
        "updated_on": iso(pr.updated_on),
        "reviewers": [],
        "participants": [],
        "draft": False,
        "links": {
            "self": link(api),
            "html": link(f"{urls.repo_web(repo)}/pull-requests/{pr.id}"),
            "commits": link(f"{api}/commits"),
            "approve": link(f"{api}/approve"),
            "diff": link(f"{api}/diff"),
            "diffstat": link(f"{api}/diffstat"),
            "comments": link(f"{api}/comments"),
            "activity": link(f"{api}/activity"),
            "merge": link(f"{api}/merge"),
            "decline": link(f"{api}/decline"),
        },
    }
    if author is not None:
        out["author"] = account(settings, author)
    if pr.merge_commit:
        out["merge_commit"] = {"hash": pr.merge_commit[:12]}
    return out


def issue(state: State, repo: CloudRepository, item: Issue) -> dict[str, Any]:
    settings = state.settings
    urls = CloudUrls(settings)
    api = f"{urls.repo_api(repo)}/issues/{item.id}"
    out: dict[str, Any] = {
        "type": "issue",
        "id": item.id,
        "title": item.title,
        "content": rendered(item.content),
        "state": item.state,
        "kind": item.kind,
        "priority": item.priority,
        "votes": 0,
        "created_on": iso(item.created_on),
        "updated_on": iso(item.updated_on),
        "repository": repository_summary(settings, repo),
        "links": {
            "self": link(api),
            "html": link(f"{urls.repo_web(repo)}/issues/{item.id}"),
            "comments": link(f"{api}/comments"),
            "attachments": link(f"{api}/attachments"),
            "watch": link(f"{api}/watch"),
            "vote": link(f"{api}/vote"),
        },
    }
    reporter = cloud_state(state).users.get(item.reporter)
    if reporter is not None:
        out["reporter"] = account(settings, reporter)
    return out


def hook(settings: Settings, repo: CloudRepository, item: CloudHook) -> dict[str, Any]:
    urls = CloudUrls(settings)
    return {
        "type": "webhook_subscription",
        "uuid": item.uuid,
        "url": item.url,
        "description": item.description,
        "subject_type": "repository",
        "subject": repository_summary(settings, repo),
        "active": item.active,
        "created_at": iso(item.created_at),
        "events": list(item.events),
        "links": {"self": link(f"{urls.repo_api(repo)}/hooks/{quote(item.uuid, safe='')}")},
        "source": None,
        "read_only": False,
        "history_enabled": False,
        "skip_cert_verification": item.skip_cert_verification,
        # The secret itself is never returned, only whether there is one.
        "secret_set": bool(item.secret),
    }
