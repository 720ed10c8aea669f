"""Server repository events triggered through the control API, and their webhook payloads.

Shapes follow the reference deliveries (``repo:refs_changed``, ``pr:opened``, ``diagnostics:ping``).
From DC 10.3 on, pull-request dates in payloads are ISO strings instead of epoch milliseconds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.clock import now
from emulator.delivery import Target, deliver
from emulator.httpcore import HttpError, Response
from emulator.server import shapes
from emulator.server.hooks import PING_EVENT, delivery_headers, ping
from emulator.server.models import ServerPullRequest, ServerRepository
from emulator.server.state import server_settings, server_state
from emulator.store import State

if TYPE_CHECKING:
    from emulator.app import Emulator

EVENTS = ("repo:refs_changed", "pr:opened", "pr:from_ref_updated", "pr:merged", "pr:declined", PING_EVENT)


def trigger(app: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    event = body.get("event")
    if event not in EVENTS:
        raise _bad(f"event must be one of {', '.join(EVENTS)}")
    with app.state.lock:
        state = app.state
        key, _, slug = str(body.get("repository", "")).partition("/")
        repo = server_state(state).repo(key, slug)
        if repo is None:
            raise _bad(f"Unknown repository {body.get('repository')!r} (use PROJECT_KEY/slug or ~user/slug)")
        if event == PING_EVENT:
            wanted = body.get("webhook_id")
            targets = [Target(str(h.id), h.url, h.secret) for h in repo.webhooks.values()
                       if wanted is None or h.id == wanted]
            payload, created = {"test": True}, {}
        else:
            actor = _actor(state, repo, body.get("actor"))
            if event == "repo:refs_changed":
                payload, created = _refs_changed(state, repo, actor, body)
            else:
                payload, created = _pull_request(state, repo, actor, event, body)
            targets = [Target(str(h.id), h.url, h.secret) for h in repo.webhooks.values()
                       if h.active and event in h.events]
    if event == PING_EVENT:
        deliveries = ping(app, targets)
    else:
        deliveries = deliver(app.state, event_key=event, body=json.dumps(payload).encode(), targets=targets,
                             headers_for=lambda t, delivery_id, n: delivery_headers(app, event, delivery_id),
                             max_attempts=1)
    return {"event": event, "created": created, "payload": payload, "deliveries": deliveries}


def _actor(state: State, repo: ServerRepository, slug: Any) -> str:
    server = server_state(state)
    if slug:
        if slug not in server.users:
            raise _bad(f"Unknown user {slug!r}")
        return str(slug)
    project = server.projects[repo.project_key]
    if project.personal_owner:
        return project.personal_owner
    admins = [u for u, p in project.permissions.items() if p == "PROJECT_ADMIN"]
    return admins[0] if admins else next(iter(server.users))


def _date() -> str:
    return now().strftime("%Y-%m-%dT%H:%M:%S+0000")


def _refs_changed(state: State, repo: ServerRepository, actor: str, body: dict[str, Any]):
    branch = str(body.get("branch") or repo.git.main_branch)
    user = server_state(state).users[actor]
    old, commit = repo.git.push(seed=f"{repo.project_key}/{repo.slug}", branch=branch,
                                message=str(body.get("message") or "Update README.md\n"),
                                author_name=user.display_name, author_email=user.email, author_username=actor)
    change = {"ref": {"id": f"refs/heads/{branch}", "displayId": branch, "type": "BRANCH"},
              "refId": f"refs/heads/{branch}", "fromHash": old or "0" * 40, "toHash": commit.hash,
              "type": "UPDATE" if old else "ADD"}
    payload = {"eventKey": "repo:refs_changed", "date": _date(), "actor": shapes.user(state, user),
               "repository": shapes.repository(state, repo), "changes": [change]}
    return payload, {"commit": commit.hash, "branch": branch, "previous": old}


def _pull_request(state: State, repo: ServerRepository, actor: str, event: str, body: dict[str, Any]):
    user = server_state(state).users[actor]
    seed = f"{repo.project_key}/{repo.slug}"
    extra: dict[str, Any] = {}
    if event == "pr:opened":
        source = str(body.get("source") or body.get("branch") or "feature/emulated")
        target = str(body.get("destination") or repo.git.main_branch)
        if source not in repo.git.branches:
            repo.git.push(seed=seed, branch=source, message=f"Work on {source}\n", author_name=user.display_name,
                          author_email=user.email, author_username=actor)
        if target not in repo.git.branches:
            raise _bad(f"Unknown destination branch {target!r}")
        number = max(repo.pull_requests, default=0) + 1
        pr = ServerPullRequest(id=number, title=str(body.get("title") or f"Merge {source}"),
                               description=str(body.get("description") or ""), from_branch=source,
                               to_branch=target, from_hash=repo.git.branches[source],
                               to_hash=repo.git.branches[target], author=actor)
        repo.pull_requests[number] = pr
    else:
        pr = repo.pull_requests.get(int(body.get("id") or 0))
        if pr is None:
            raise _bad("id must name an existing pull request for this event")
        pr.updated, pr.version = now(), pr.version + 1
        if event == "pr:from_ref_updated":
            extra["previousFromHash"] = pr.from_hash
            _, pushed = repo.git.push(seed=seed, branch=pr.from_branch, message="More work\n",
                                      author_name=user.display_name, author_email=user.email, author_username=actor)
            pr.from_hash = pushed.hash
        elif event == "pr:merged":
            _, merge = repo.git.push(seed=seed, branch=pr.to_branch,
                                     message=f"Merge pull request #{pr.id} from {pr.from_branch}\n",
                                     author_name=user.display_name, author_email=user.email, author_username=actor)
            pr.state, pr.closed, pr.merge_commit = "MERGED", now(), merge.hash
        else:
            pr.state, pr.closed = "DECLINED", now()
    iso_dates = shapes.version_tuple(server_settings(state.settings).version) >= (10, 3)
    payload = {"eventKey": event, "date": _date(), "actor": shapes.user(state, user),
               "pullRequest": shapes.pull_request(state, repo, pr, iso_dates=iso_dates), **extra}
    return payload, {"pull_request": pr.id}


def _bad(message: str) -> HttpError:
    return HttpError(Response.json(400, {"error": message}))
