"""JSON shapes of Bitbucket Server / Data Center objects, after the reference payloads and DC 9.2 OpenAPI.

Every link uses ``Settings.server_link_base``, which the "misconfigured base URL" switch turns
into ``http://localhost:7990`` + context path, as a wrongly configured instance does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emulator.clock import epoch_ms
from emulator.gitdata import Commit
from emulator.server.models import Project, ServerHook, ServerPullRequest, ServerRepository, ServerUser
from emulator.server.state import server_settings, server_state
from emulator.store import State

SSH_PORT = 7999


def links_self(href: str) -> dict[str, list[dict[str, str]]]:
    return {"self": [{"href": href}]}


def version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def application_properties(version: str, started: datetime) -> dict[str, str]:
    major, minor, patch = (version_tuple(version) + (0, 0, 0))[:3]
    return {"version": version, "buildNumber": str(major * 1_000_000 + minor * 1000 + patch),
            "buildDate": str(epoch_ms(started)), "displayName": "Bitbucket"}


def user(state: State, item: ServerUser) -> dict[str, Any]:
    base = server_settings(state.settings).link_base
    return {"name": item.name, "emailAddress": item.email, "active": True, "displayName": item.display_name,
            "id": item.id, "slug": item.slug, "type": "NORMAL", "links": links_self(f"{base}/users/{item.slug}")}


def project(state: State, item: Project) -> dict[str, Any]:
    base = server_settings(state.settings).link_base
    out: dict[str, Any] = {"key": item.key, "id": item.id, "name": item.name, "public": item.public,
                           "type": item.type}
    if item.description:
        out["description"] = item.description
    if item.personal_owner:
        owner = server_state(state).users[item.personal_owner]
        out["owner"] = user(state, owner)
        out["links"] = links_self(f"{base}/users/{owner.slug}")
    else:
        out["links"] = links_self(f"{base}/projects/{item.key}")
    return out


def repository(state: State, repo: ServerRepository) -> dict[str, Any]:
    settings = server_settings(state.settings)
    base = settings.link_base
    owner_project = server_state(state).projects[repo.project_key]
    if owner_project.personal_owner:
        browse = f"{base}/users/{owner_project.personal_owner}/repos/{repo.slug}/browse"
        clone_path = f"~{owner_project.personal_owner}/{repo.slug}.git"
    else:
        browse = f"{base}/projects/{repo.project_key}/repos/{repo.slug}/browse"
        clone_path = f"{repo.project_key.lower()}/{repo.slug}.git"
    out: dict[str, Any] = {
        "slug": repo.slug,
        "id": repo.id,
        "name": repo.name,
        "hierarchyId": repo.hierarchy_id,
        "scmId": "git",
        "state": "AVAILABLE",
        "statusMessage": "Available",
        "forkable": repo.forkable,
        "project": project(state, owner_project),
        "public": repo.public,
        "archived": repo.archived,
        "links": {
            "clone": [
                {"href": f"{base}/scm/{clone_path}", "name": "http"},
                {"href": f"ssh://git@{settings.host}:{SSH_PORT}/{clone_path}", "name": "ssh"},
            ],
            "self": [{"href": browse}],
        },
    }
    if repo.description:
        out["description"] = repo.description
    return out


def branch(repo: ServerRepository, name: str) -> dict[str, Any]:
    head = repo.git.branches[name]
    return {"id": f"refs/heads/{name}", "displayId": name, "type": "BRANCH", "latestCommit": head,
            "latestChangeset": head, "isDefault": name == repo.git.main_branch}


def tag(repo: ServerRepository, name: str) -> dict[str, Any]:
    target = repo.git.tags[name]
    return {"id": f"refs/tags/{name}", "displayId": name, "type": "TAG", "latestCommit": target,
            "latestChangeset": target, "hash": target}


def commit(item: Commit) -> dict[str, Any]:
    person = {"name": item.author_name, "emailAddress": item.author_email}
    return {
        "id": item.hash,
        "displayId": item.hash[:11],
        "author": person,
        "authorTimestamp": epoch_ms(item.date),
        "committer": dict(person),
        "committerTimestamp": epoch_ms(item.date),
        "message": item.message.rstrip("\n"),
        "parents": [{"id": parent, "displayId": parent[:11]} for parent in item.parents],
    }


def pull_request(state: State, repo: ServerRepository, pr: ServerPullRequest, *, iso_dates: bool = False) -> dict:
    """``iso_dates`` gives DC 10.3+'s ISO-8601 strings instead of epoch milliseconds (payloads only)."""
    repo_json = repository(state, repo)

    def when(moment: datetime) -> int | str:
        if iso_dates:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        return epoch_ms(moment)

    def ref(name: str, head: str) -> dict[str, Any]:
        return {"id": f"refs/heads/{name}", "displayId": name, "latestCommit": head, "type": "BRANCH",
                "repository": repo_json}

    author = server_state(state).users[pr.author]
    out: dict[str, Any] = {
        "id": pr.id,
        "version": pr.version,
        "title": pr.title,
        "description": pr.description,
        "state": pr.state,
        "open": pr.state == "OPEN",
        "closed": pr.state != "OPEN",
        "draft": False,
        "createdDate": when(pr.created),
        "updatedDate": when(pr.updated),
        "fromRef": ref(pr.from_branch, pr.from_hash),
        "toRef": ref(pr.to_branch, pr.to_hash),
        "locked": False,
        "author": {"user": user(state, author), "role": "AUTHOR", "approved": False, "status": "UNAPPROVED"},
        "reviewers": [],
        "participants": [],
        "links": links_self(f"{repo_json['links']['self'][0]['href'].removesuffix('/browse')}"
                            f"/pull-requests/{pr.id}"),
    }
    if not pr.description:
        del out["description"]
    if pr.closed is not None:
        out["closedDate"] = when(pr.closed)
    if pr.merge_commit:
        out["properties"] = {"mergeCommit": {"id": pr.merge_commit, "displayId": pr.merge_commit[:11]}}
    return out


def webhook(hook: ServerHook) -> dict[str, Any]:
    # configuration.secret is write-only: it is never sent back.
    return {
        "id": hook.id,
        "name": hook.name,
        "createdDate": epoch_ms(hook.created),
        "updatedDate": epoch_ms(hook.updated),
        "events": list(hook.events),
        "configuration": {},
        "url": hook.url,
        "active": hook.active,
        "scopeType": "repository",
        "sslVerificationRequired": hook.ssl_verification_required,
    }
