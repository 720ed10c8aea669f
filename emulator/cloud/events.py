"""Cloud repository events triggered through the control API, and their webhook payloads.

Payload shapes follow the reference deliveries (``repo:push``, ``pullrequest:created``).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from emulator.clock import now
from emulator.cloud import shapes
from emulator.cloud.models import CloudRepository, Issue, PullRequest
from emulator.cloud.state import cloud_settings, cloud_state
from emulator.delivery import Target, deliver
from emulator.httpcore import HttpError, Response
from emulator.store import State

if TYPE_CHECKING:
    from emulator.app import Emulator

EVENTS = ("repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled",
          "pullrequest:rejected", "issue:created")
# Bitbucket Cloud retries a 5xx twice, at once.
MAX_ATTEMPTS = 3
USER_AGENT = "Bitbucket-Webhooks/2.0"


def trigger(app: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    event = body.get("event")
    if event not in EVENTS:
        raise _bad(f"event must be one of {', '.join(EVENTS)}")
    with app.state.lock:
        state = app.state
        repo = cloud_state(state).repos.get(str(body.get("repository", "")).lower())
        if repo is None:
            raise _bad(f"Unknown repository {body.get('repository')!r} (use workspace/slug)")
        actor = _actor(state, repo, body.get("actor"))
        if event == "repo:push":
            payload, created = _push(state, repo, actor, body)
        elif event == "issue:created":
            payload, created = _issue(state, repo, actor, body)
        else:
            payload, created = _pullrequest(state, repo, actor, event, body)
        targets = [Target(hook.uuid, hook.url, hook.secret) for hook in repo.hooks.values()
                   if hook.active and event in hook.events]
    raw = json.dumps(payload).encode()

    def headers_for(target: Target, delivery_id: str, attempt: int) -> dict[str, str]:
        return {"X-Event-Key": event, "X-Hook-UUID": target.hook_id.strip("{}"),
                "X-Request-UUID": delivery_id, "X-Attempt-Number": str(attempt), "User-Agent": USER_AGENT}

    deliveries = deliver(app.state, event_key=event, body=raw, targets=targets, headers_for=headers_for,
                         max_attempts=MAX_ATTEMPTS)
    return {"event": event, "created": created, "payload": payload, "deliveries": deliveries}


def _actor(state: State, repo: CloudRepository, username: Any) -> str:
    cloud = cloud_state(state)
    if username:
        if username not in cloud.users:
            raise _bad(f"Unknown user {username!r}")
        return str(username)
    workspace = cloud.workspaces[repo.workspace]
    owner = next((u for u, role in workspace.members.items() if role == "owner"), None)
    return owner or next(iter(cloud.users))


def repository_payload(state: State, repo: CloudRepository) -> dict[str, Any]:
    settings = state.settings
    workspace = cloud_state(state).workspaces[repo.workspace]
    out = shapes.repository_summary(settings, repo)
    full = shapes.repository(state, repo)
    project = shapes.project(settings, workspace, repo.project_key)
    project["links"]["self"] = shapes.link(f"{cloud_settings(settings).url}/2.0/workspaces/{workspace.slug}/projects/"
                                           f"{repo.project_key}")
    out.update({"scm": "git", "website": None, "owner": full["owner"],
                "workspace": shapes.workspace_full(settings, workspace), "is_private": repo.is_private,
                "project": project, "parent": None})
    return out


def _ref(state: State, repo: CloudRepository, branch: str, head: str) -> dict[str, Any]:
    web = f"{cloud_settings(state.settings).url}/{repo.full_name}"
    out = shapes.branch(state, repo, branch)
    out["target"] = shapes.commit(state, repo, repo.git.commits[head], full=False)
    out["links"]["pullrequest_create"] = shapes.link(f"{web}/pull-requests/new?source={quote(branch)}&t=1")
    return out


def _push(state: State, repo: CloudRepository, actor: str, body: dict[str, Any]):
    branch = str(body.get("branch") or repo.git.main_branch)
    user = cloud_state(state).users[actor]
    old, commit = repo.git.push(seed=repo.uuid, branch=branch,
                                message=str(body.get("message") or "Update README.md\n"),
                                author_name=user.display_name, author_email=user.email, author_username=actor)
    wanted = body.get("commit")
    if wanted:
        if not re.fullmatch(r"[0-9a-f]{40}", str(wanted)):
            raise _bad("commit must be a 40-character lower-case hex hash")
        del repo.git.commits[commit.hash]
        commit.hash = str(wanted)
        repo.git.commits[commit.hash] = commit
        repo.git.branches[branch] = commit.hash
    repo.updated_on = now()
    api = f"{cloud_settings(state.settings).url}/2.0/repositories/{repo.full_name}"
    web = f"{cloud_settings(state.settings).url}/{repo.full_name}"
    new_ref = _ref(state, repo, branch, commit.hash)
    old_ref = None
    links: dict[str, Any] = {"commits": shapes.link(f"{api}/commits?include={commit.hash}"),
                             "html": shapes.link(f"{web}/branch/{quote(branch)}")}
    if old is not None:
        old_ref = _ref(state, repo, branch, old)
        old_ref["target"] = shapes.commit(state, repo, repo.git.commits[old], full=False)
        links = {"commits": shapes.link(f"{api}/commits?include={commit.hash}&exclude={old}"),
                 "html": shapes.link(f"{web}/branches/compare/{commit.hash}..{old}"),
                 "diff": shapes.link(f"{api}/diff/{commit.hash}..{old}")}
    change = {"old": old_ref, "new": new_ref, "truncated": False, "created": old is None, "forced": False,
              "closed": False, "links": links, "commits": [shapes.commit(state, repo, commit)]}
    payload = {"push": {"changes": [change]}, "repository": repository_payload(state, repo),
               "actor": shapes.account(state.settings, user)}
    return payload, {"commit": commit.hash, "branch": branch, "previous": old}


def _pullrequest(state: State, repo: CloudRepository, actor: str, event: str, body: dict[str, Any]):
    user = cloud_state(state).users[actor]
    if event == "pullrequest:created":
        source = str(body.get("source") or body.get("branch") or "feature/emulated")
        destination = str(body.get("destination") or repo.git.main_branch)
        if source not in repo.git.branches:
            repo.git.push(seed=repo.uuid, branch=source, message=f"Work on {source}\n",
                          author_name=user.display_name, author_email=user.email, author_username=actor)
        if destination not in repo.git.branches:
            raise _bad(f"Unknown destination branch {destination!r}")
        number = max(repo.pullrequests, default=0) + 1
        pr = PullRequest(id=number, title=str(body.get("title") or f"Merge {source}"),
                         description=str(body.get("description") or ""), source_branch=source,
                         destination_branch=destination, source_hash=repo.git.branches[source],
                         destination_hash=repo.git.branches[destination], author=actor)
        repo.pullrequests[number] = pr
    else:
        pr = repo.pullrequests.get(int(body.get("id") or 0))
        if pr is None:
            raise _bad("id must name an existing pull request for this event")
        pr.updated_on = now()
        if event == "pullrequest:updated":
            pr.title = str(body.get("title") or pr.title)
        elif event == "pullrequest:fulfilled":
            _, merge = repo.git.push(seed=repo.uuid, branch=pr.destination_branch,
                                     message=f"Merged in {pr.source_branch} (pull request #{pr.id})\n",
                                     author_name=user.display_name, author_email=user.email,
                                     author_username=actor)
            pr.state, pr.merge_commit = "MERGED", merge.hash
        else:
            pr.state = "DECLINED"
    payload = {"actor": shapes.account(state.settings, user),
               "pullrequest": shapes.pullrequest(state, repo, pr),
               "repository": repository_payload(state, repo)}
    return payload, {"pullrequest": pr.id}


def _issue(state: State, repo: CloudRepository, actor: str, body: dict[str, Any]):
    number = max(repo.issues, default=0) + 1
    item = Issue(id=number, title=str(body.get("title") or "Emulated issue"),
                 content=str(body.get("content") or ""), reporter=actor)
    repo.issues[number] = item
    payload = {"actor": shapes.account(state.settings, cloud_state(state).users[actor]),
               "issue": shapes.issue(state, repo, item), "repository": repository_payload(state, repo)}
    return payload, {"issue": number}


def _bad(message: str) -> HttpError:
    return HttpError(Response.json(400, {"error": message}))
