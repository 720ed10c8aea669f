"""Bitbucket Cloud's control routes (`/_emulator/cloud/...`): users, workspaces, repositories, consumers,
tokens, settings, events; and its part of `GET /_emulator/state`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from emulator.buildstatus import history_summary
from emulator.cloud import events
from emulator.cloud.auth import CREDENTIAL_TYPES
from emulator.cloud.models import CloudRepository, CloudToken, CloudUser, Consumer, Issue, PullRequest, Workspace
from emulator.cloud.scopes import DEFAULT_CONSUMER_SCOPES, unknown_scopes
from emulator.cloud.state import NAME, cloud_settings, cloud_state
from emulator.control_common import (
    bad_request,
    body_of,
    expire_in,
    ok,
    optional_int,
    optional_list,
    required_str,
    revoke_in,
)
from emulator.gitdata import initial_git_data
from emulator.httpcore import Request, Response, Router
from emulator.store import new_secret

if TYPE_CHECKING:
    from emulator.app import Emulator

WORKSPACE_ROLES = ("owner", "admin", "member")
REPO_PERMISSIONS = ("read", "write", "admin")
DEFAULT_API_TOKEN_SCOPES = ["read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
                            "read:pullrequest:bitbucket"]


def create_user(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    username = required_str(body, "username")
    state = app.state
    cloud = cloud_state(state)
    if username in cloud.users:
        raise bad_request(f"User {username} already exists")
    others = []
    for item in optional_list(body, "other_emails") or []:
        if not isinstance(item, dict) or "email" not in item:
            raise bad_request("other_emails items look like {\"email\": ..., \"is_confirmed\": bool}")
        others.append((str(item["email"]), bool(item.get("is_confirmed", True))))
    user = CloudUser(username=username, display_name=str(body.get("display_name") or username),
                     email=str(body.get("email") or f"{username}@example.com"), other_emails=others)
    cloud.users[username] = user
    return ok(user_summary(user), 201)


def user_summary(user: CloudUser) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "email": user.email,
            "uuid": user.uuid, "account_id": user.account_id}


def create_workspace(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    slug = required_str(body, "slug").lower()
    state = app.state
    cloud = cloud_state(state)
    if slug in cloud.workspaces:
        raise bad_request(f"Workspace {slug} already exists")
    members = dict(body.get("members") or {})
    if body.get("owner"):
        members[str(body["owner"])] = "owner"
    for username, role in members.items():
        if username not in cloud.users:
            raise bad_request(f"Unknown user {username}")
        if role not in WORKSPACE_ROLES:
            raise bad_request(f"Workspace role must be one of {', '.join(WORKSPACE_ROLES)}")
    workspace = Workspace(slug=slug, name=str(body.get("name") or slug), members=members)
    for project in optional_list(body, "projects") or [{"key": "PROJ", "name": "Default project"}]:
        key = str(project["key"]).upper()
        workspace.projects[key] = (str(project.get("name") or key), "{" + new_secret(length=8) + "}")
    cloud.workspaces[slug] = workspace
    return ok({"slug": slug, "uuid": workspace.uuid, "members": members, "projects": list(workspace.projects)}, 201)


def create_repository(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    state = app.state
    cloud = cloud_state(state)
    workspace = cloud.workspaces.get(required_str(body, "workspace").lower())
    if workspace is None:
        raise bad_request(f"Unknown workspace {body['workspace']}")
    slug = required_str(body, "slug").lower()
    full_name = f"{workspace.slug}/{slug}"
    if full_name in cloud.repos:
        raise bad_request(f"Repository {full_name} already exists")
    project_key = str(body.get("project_key") or next(iter(workspace.projects), "PROJ")).upper()
    if project_key not in workspace.projects:
        workspace.projects[project_key] = (project_key, "{" + new_secret(length=8) + "}")
    permissions = dict(body.get("permissions") or {})
    if any(level not in REPO_PERMISSIONS for level in permissions.values()):
        raise bad_request(f"Repository permissions must be one of {', '.join(REPO_PERMISSIONS)}")
    owner_name = next((u for u, r in workspace.members.items() if r == "owner"), None)
    owner = cloud.users.get(owner_name or "")
    git = initial_git_data(seed=full_name, main_branch=str(body.get("main_branch") or "main"),
                           author_name=owner.display_name if owner else "Emulator",
                           author_email=owner.email if owner else "emulator@example.com",
                           author_username=owner_name, branches=optional_list(body, "branches"),
                           tags=optional_list(body, "tags"))
    repo = CloudRepository(workspace=workspace.slug, slug=slug, name=str(body.get("name") or slug), git=git,
                           project_key=project_key, description=str(body.get("description") or ""),
                           is_private=bool(body.get("is_private", True)),
                           has_issues=bool(body.get("has_issues", True)), permissions=permissions,
                           language=str(body.get("language") or ""))
    author = owner_name or next(iter(cloud.users), "")
    for number, item in enumerate(optional_list(body, "pullrequests") or [], start=1):
        source = str(item.get("source") or f"feature/pr-{number}")
        if source not in git.branches:
            git.push(seed=full_name, branch=source, message=f"Work on {source}\n", author_name="Emulator",
                     author_email="emulator@example.com")
        destination = str(item.get("destination") or git.main_branch)
        repo.pullrequests[number] = PullRequest(
            id=number, title=str(item.get("title") or f"Pull request {number}"),
            description=str(item.get("description") or ""), source_branch=source, destination_branch=destination,
            source_hash=git.branches[source], destination_hash=git.branches[destination],
            author=str(item.get("author") or author), state=str(item.get("state") or "OPEN").upper())
    for number, item in enumerate(optional_list(body, "issues") or [], start=1):
        repo.issues[number] = Issue(id=number, title=str(item.get("title") or f"Issue {number}"),
                                    content=str(item.get("content") or ""),
                                    reporter=str(item.get("reporter") or author))
    cloud.repos[full_name] = repo
    return ok({"full_name": full_name, "uuid": repo.uuid, "main_branch": git.main_branch,
               "branches": dict(git.branches), "tags": dict(git.tags),
               "pullrequests": list(repo.pullrequests), "issues": list(repo.issues)}, 201)


def create_consumer(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    scopes = optional_list(body, "scopes") or list(DEFAULT_CONSUMER_SCOPES)
    unknown = unknown_scopes(scopes, fine_grained=False)
    if unknown:
        raise bad_request(f"Unknown scope(s): {', '.join(unknown)}")
    consumer = Consumer(key=str(body.get("key") or new_secret(length=12)),
                        secret=str(body.get("secret") or new_secret(length=24)),
                        name=required_str(body, "name"), callback_url=required_str(body, "callback_url"),
                        scopes=scopes)
    cloud_state(app.state).consumers[consumer.key] = consumer
    return ok({"key": consumer.key, "secret": consumer.secret, "name": consumer.name,
               "callback_url": consumer.callback_url, "scopes": consumer.scopes}, 201)


def create_token(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    state = app.state
    kind = required_str(body, "kind")
    if kind not in CREDENTIAL_TYPES:
        raise bad_request(f"kind must be one of {', '.join(CREDENTIAL_TYPES)}")
    default = DEFAULT_API_TOKEN_SCOPES if kind == "api_token" else DEFAULT_CONSUMER_SCOPES
    scopes = optional_list(body, "scopes")
    scopes = list(default) if scopes is None else [str(s) for s in scopes]
    unknown = unknown_scopes(scopes, fine_grained=kind == "api_token")
    if unknown:
        raise bad_request(f"Unknown scope(s) for {kind}: {', '.join(unknown)}")
    token = CloudToken(value=str(body.get("value") or new_secret(_prefix(kind))), kind=kind, scopes=scopes)
    cloud = cloud_state(state)
    if kind in ("oauth", "api_token", "app_password"):
        token.username = required_str(body, "user")
        if token.username not in cloud.users:
            raise bad_request(f"Unknown user {token.username}")
    elif kind == "repository_access_token":
        token.repository = required_str(body, "repository").lower()
        if token.repository not in cloud.repos:
            raise bad_request(f"Unknown repository {token.repository}")
        token.workspace = token.repository.split("/")[0]
    else:
        token.workspace = required_str(body, "workspace").lower()
        if token.workspace not in cloud.workspaces:
            raise bad_request(f"Unknown workspace {token.workspace}")
        if kind == "project_access_token":
            token.project_key = required_str(body, "project").upper()
    expires_in = optional_int(body, "expires_in")
    if expires_in is None and kind == "oauth":
        expires_in = cloud_settings(state.settings).access_token_ttl
    if expires_in is not None:
        token.expires_at = time.time() + expires_in
    cloud.tokens[token.value] = token
    return ok({"token": token.value, "kind": kind, "scopes": scopes, "expires_at": token.expires_at}, 201)


def _prefix(kind: str) -> str:
    # Shapes like Atlassian's (API tokens start ATATT); access tokens ATCTT.
    return {"api_token": "ATATT3x", "app_password": "ATBB", "oauth": "bbemu-oauth-"}.get(kind, "ATCTT3x")


def revoke_token(app: Emulator, request: Request) -> Response:
    cloud = cloud_state(app.state)
    return revoke_in(body_of(request), cloud.tokens, cloud.refresh_tokens)


def expire_token(app: Emulator, request: Request) -> Response:
    return expire_in(body_of(request), cloud_state(app.state).tokens)


def update_settings(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    settings = cloud_settings(app.settings)
    if "app_passwords_disabled" in body:
        settings.app_passwords_disabled = bool(body["app_passwords_disabled"])
    ttl = optional_int(body, "access_token_ttl")
    if ttl is not None:
        settings.access_token_ttl = ttl
    return ok({"app_passwords_disabled": settings.app_passwords_disabled,
               "access_token_ttl": settings.access_token_ttl})


def trigger_event(app: Emulator, request: Request) -> Response:
    return ok(events.trigger(app, body_of(request)))


def _repository_arg(app: Emulator, request: Request) -> CloudRepository:
    name = (request.arg("repository") or "").lower()
    repo = cloud_state(app.state).repos.get(name)
    if repo is None:
        raise bad_request(f"Unknown repository {name!r} (use ?repository=workspace/slug)")
    return repo


def _hook_summary(hook) -> dict[str, Any]:
    return {"uuid": hook.uuid, "url": hook.url, "events": list(hook.events), "active": hook.active,
            "secret_set": bool(hook.secret), "description": hook.description}


def list_hooks(app: Emulator, request: Request) -> Response:
    """What a repository admin sees in Repository settings → Webhooks (no secret values)."""
    repo = _repository_arg(app, request)
    return ok([_hook_summary(hook) for hook in sorted(repo.hooks.values(), key=lambda h: h.created_at)])


def delete_hooks(app: Emulator, request: Request) -> Response:
    """Delete one hook (`uid`) or every hook of a repository, as an admin would on bitbucket.org."""
    repo = _repository_arg(app, request)
    uid = request.arg("uid")
    if uid:
        key = (uid if uid.startswith("{") else "{" + uid + "}").lower()
        if key not in repo.hooks:
            raise bad_request(f"Unknown hook {uid}")
        del repo.hooks[key]
        return ok({"deleted": 1})
    count = len(repo.hooks)
    repo.hooks.clear()
    return ok({"deleted": count})


def list_statuses(app: Emulator, request: Request) -> Response:
    """A commit's build statuses in the order they were posted (what the commit page shows, with history)."""
    repo = _repository_arg(app, request)
    commit = repo.git.find_commit(request.arg("commit") or "")
    if commit is None:
        raise bad_request("Unknown commit (use ?commit=HASH or a branch name)")
    return ok({"commit": commit.hash, "statuses": history_summary(repo.git, commit.hash)})


def summary(app: Emulator) -> dict[str, Any]:
    settings, state = cloud_settings(app.settings), cloud_state(app.state)
    return {
        "urls": {"cloud_web": settings.url, "cloud_api": settings.url},
        "settings": {"cloud_access_token_ttl": settings.access_token_ttl,
                     "app_passwords_disabled": settings.app_passwords_disabled},
        "state": {
            "users": list(state.users),
            "workspaces": {slug: ws.members for slug, ws in state.workspaces.items()},
            "repositories": {name: {"hooks": len(r.hooks), "branches": sorted(r.git.branches),
                                    "pullrequests": sorted(r.pullrequests), "issues": sorted(r.issues)}
                             for name, r in state.repos.items()},
            "consumers": list(state.consumers),
            "tokens": len(state.tokens),
        },
    }


def register(router: Router) -> None:
    prefix = f"/{NAME}"
    router.add("POST", f"{prefix}/users", create_user)
    router.add("POST", f"{prefix}/workspaces", create_workspace)
    router.add("POST", f"{prefix}/repositories", create_repository)
    router.add("POST", f"{prefix}/consumers", create_consumer)
    router.add("POST", f"{prefix}/tokens", create_token)
    router.add("POST", f"{prefix}/tokens/revoke", revoke_token)
    router.add("POST", f"{prefix}/tokens/expire", expire_token)
    router.add("POST", f"{prefix}/settings", update_settings)
    router.add("POST", f"{prefix}/events", trigger_event, locked=False)
    router.add("GET", f"{prefix}/hooks", list_hooks)
    router.add("GET", f"{prefix}/statuses", list_statuses)
    router.add("DELETE", f"{prefix}/hooks", delete_hooks)
