"""Bitbucket Server's control routes (`/_emulator/server/...`): settings, users, projects, repositories,
OAuth clients, tokens, events; and its part of `GET /_emulator/state`."""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from emulator.buildstatus import history_summary
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
from emulator.server import events
from emulator.server.models import (
    PERMISSIONS,
    PROJECT_LEVELS,
    REPO_LEVELS,
    OAuthClient,
    Project,
    ServerPullRequest,
    ServerRepository,
    ServerToken,
    ServerUser,
)
from emulator.server.oauth import SCOPE_DESCRIPTIONS
from emulator.server.state import NAME, server_settings, server_state
from emulator.store import new_secret

if TYPE_CHECKING:
    from emulator.app import Emulator

TOKEN_LEVELS = ("user", "project", "repository")


def update_settings(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    settings = server_settings(app.settings)
    if "version" in body:
        settings.version = required_str(body, "version")
    if "misconfigured_base_url" in body:
        settings.misconfigured_base_url = bool(body["misconfigured_base_url"])
    ttl = optional_int(body, "access_token_ttl")
    if ttl is not None:
        settings.access_token_ttl = ttl
    return ok({"version": settings.version, "misconfigured_base_url": settings.misconfigured_base_url,
               "access_token_ttl": settings.access_token_ttl, "base_url": settings.url,
               "link_base_url": settings.link_base})


def create_user(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    state = app.state
    slug = required_str(body, "slug" if "slug" in body else "name").lower()
    server = server_state(state)
    if slug in server.users:
        raise bad_request(f"User {slug} already exists")
    user = ServerUser(slug=slug, name=str(body.get("name") or slug), id=state.next_id(),
                      display_name=str(body.get("display_name") or slug),
                      email=str(body.get("email") or f"{slug}@example.com"),
                      password=body.get("password"), sys_admin=bool(body.get("sys_admin", False)))
    server.users[slug] = user
    # Every user has a personal project, "~slug" in REST and clone URLs.
    key = f"~{slug.upper()}"
    server.projects[key] = Project(key=key, name=user.display_name, id=state.next_id(), personal_owner=slug)
    return ok({"slug": slug, "name": user.name, "id": user.id, "personal_project": f"~{slug}"}, 201)


def create_project(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    state = app.state
    key = required_str(body, "key").upper()
    server = server_state(state)
    if key in server.projects or key.startswith("~"):
        raise bad_request(f"Project {key} already exists or is reserved")
    permissions = _permissions(app, body, PROJECT_LEVELS)
    project = Project(key=key, name=str(body.get("name") or key), id=state.next_id(),
                      description=str(body.get("description") or ""), public=bool(body.get("public", False)),
                      permissions=permissions)
    server.projects[key] = project
    return ok({"key": key, "id": project.id}, 201)


def _permissions(app: Emulator, body: dict, levels: dict[str, int]) -> dict[str, str]:
    permissions = {str(k).lower(): str(v) for k, v in dict(body.get("permissions") or {}).items()}
    for slug, level in permissions.items():
        if slug not in server_state(app.state).users:
            raise bad_request(f"Unknown user {slug}")
        if level not in levels:
            raise bad_request(f"Permission must be one of {', '.join(levels)}")
    return permissions


def create_repository(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    state = app.state
    key = required_str(body, "project").upper()
    server = server_state(state)
    project = server.projects.get(key)
    if project is None:
        raise bad_request(f"Unknown project {key} (personal projects are ~username)")
    slug = required_str(body, "slug").lower()
    if server.repo(key, slug):
        raise bad_request(f"Repository {key}/{slug} already exists")
    author_slug = project.personal_owner or next(
        (u for u, p in project.permissions.items() if p == "PROJECT_ADMIN"), None)
    author = server.users.get(author_slug or "")
    git = initial_git_data(seed=f"{key}/{slug}", main_branch=str(body.get("main_branch") or "master"),
                           author_name=author.display_name if author else "Administrator",
                           author_email=author.email if author else "admin@example.com",
                           author_username=author_slug, branches=optional_list(body, "branches"),
                           tags=optional_list(body, "tags"))
    repo = ServerRepository(project_key=key, slug=slug, name=str(body.get("name") or slug), id=state.next_id(),
                            git=git, description=str(body.get("description") or ""),
                            public=bool(body.get("public", False)),
                            hierarchy_id=hashlib.sha1(f"{key}/{slug}".encode()).hexdigest()[:20],  # noqa: S324
                            permissions=_permissions(app, body, REPO_LEVELS))
    for number, item in enumerate(optional_list(body, "pull_requests") or [], start=1):
        source = str(item.get("source") or f"feature/pr-{number}")
        if source not in git.branches:
            git.push(seed=f"{key}/{slug}", branch=source, message=f"Work on {source}\n",
                     author_name="Administrator", author_email="admin@example.com")
        target = str(item.get("destination") or git.main_branch)
        repo.pull_requests[number] = ServerPullRequest(
            id=number, title=str(item.get("title") or f"Pull request {number}"),
            description=str(item.get("description") or ""), from_branch=source, to_branch=target,
            from_hash=git.branches[source], to_hash=git.branches[target],
            author=str(item.get("author") or author_slug or next(iter(server.users), "")))
    server.repos[(key, slug)] = repo
    return ok({"project": key, "slug": slug, "id": repo.id, "main_branch": git.main_branch,
               "branches": dict(git.branches), "pull_requests": list(repo.pull_requests)}, 201)


def create_oauth_client(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    scopes = [str(s) for s in optional_list(body, "scopes") or []]
    unknown = [s for s in scopes if s not in SCOPE_DESCRIPTIONS]
    if unknown:
        raise bad_request(f"Unknown scope(s): {', '.join(unknown)}")
    client = OAuthClient(client_id=str(body.get("client_id") or new_secret(length=16)),
                         client_secret=str(body.get("client_secret") or new_secret(length=32)),
                         name=required_str(body, "name"), redirect_uri=required_str(body, "redirect_uri"),
                         scopes=scopes)
    server_state(app.state).oauth_clients[client.client_id] = client
    return ok({"client_id": client.client_id, "client_secret": client.client_secret, "name": client.name,
               "redirect_uri": client.redirect_uri, "scopes": scopes}, 201)


def create_token(app: Emulator, request: Request) -> Response:
    body = body_of(request)
    state = app.state
    level = str(body.get("level") or "user")
    if level not in TOKEN_LEVELS:
        raise bad_request(f"level must be one of {', '.join(TOKEN_LEVELS)}")
    permissions = [str(p) for p in optional_list(body, "permissions") or ["REPO_READ"]]
    if any(p not in PERMISSIONS for p in permissions):
        raise bad_request(f"permissions must be among {', '.join(PERMISSIONS)}")
    token = ServerToken(value=str(body.get("value") or new_secret(length=33)), kind="http_access_token",
                        permissions=permissions, level=level, name=str(body.get("name") or f"{level} token"),
                        bot_id=state.next_id())
    server = server_state(state)
    if level == "user":
        token.username = required_str(body, "user").lower()
        if token.username not in server.users:
            raise bad_request(f"Unknown user {token.username}")
    else:
        token.project_key = required_str(body, "project").upper()
        if token.project_key not in server.projects:
            raise bad_request(f"Unknown project {token.project_key}")
        if level == "repository":
            token.repository_slug = required_str(body, "repository").lower()
            if not server.repo(token.project_key, token.repository_slug):
                raise bad_request(f"Unknown repository {token.project_key}/{token.repository_slug}")
    expires_in = optional_int(body, "expires_in")
    if expires_in is not None:
        token.expires_at = time.time() + expires_in
    server.tokens[token.value] = token
    return ok({"token": token.value, "level": level, "permissions": permissions, "expires_at": token.expires_at},
              201)


def revoke_token(app: Emulator, request: Request) -> Response:
    server = server_state(app.state)
    return revoke_in(body_of(request), server.tokens, server.refresh_tokens)


def expire_token(app: Emulator, request: Request) -> Response:
    return expire_in(body_of(request), server_state(app.state).tokens)


def trigger_event(app: Emulator, request: Request) -> Response:
    return ok(events.trigger(app, body_of(request)))


def _repository_arg(app: Emulator, request: Request) -> ServerRepository:
    key, _, slug = (request.arg("repository") or "").partition("/")
    repo = server_state(app.state).repo(key, slug)
    if repo is None:
        raise bad_request(f"Unknown repository {request.arg('repository')!r} (use ?repository=KEY/slug or ~user/slug)")
    return repo


def _hook_summary(hook) -> dict[str, Any]:
    return {"id": hook.id, "name": hook.name, "url": hook.url, "events": list(hook.events), "active": hook.active,
            "secret_set": bool(hook.secret)}


def list_hooks(app: Emulator, request: Request) -> Response:
    """What a repository admin sees in Repository settings → Webhooks (no secret values)."""
    repo = _repository_arg(app, request)
    return ok([_hook_summary(hook) for _, hook in sorted(repo.webhooks.items())])


def delete_hooks(app: Emulator, request: Request) -> Response:
    """Delete one webhook (`id`) or every webhook of a repository, as an admin would in the web UI."""
    repo = _repository_arg(app, request)
    wanted = request.arg("id")
    if wanted:
        if not wanted.isdigit() or int(wanted) not in repo.webhooks:
            raise bad_request(f"Unknown webhook {wanted}")
        del repo.webhooks[int(wanted)]
        return ok({"deleted": 1})
    count = len(repo.webhooks)
    repo.webhooks.clear()
    return ok({"deleted": count})


def list_statuses(app: Emulator, request: Request) -> Response:
    """A commit's build statuses in the order they were posted (what the commit page shows, with history)."""
    repo = _repository_arg(app, request)
    commit = repo.git.find_commit(request.arg("commit") or "")
    if commit is None:
        raise bad_request("Unknown commit (use ?commit=HASH or a branch name)")
    return ok({"commit": commit.hash, "statuses": history_summary(repo.git, commit.hash)})


def summary(app: Emulator) -> dict[str, Any]:
    settings, state = server_settings(app.settings), server_state(app.state)
    return {
        "urls": {"server": settings.url, "server_links": settings.link_base},
        "settings": {"server_version": settings.version, "misconfigured_base_url": settings.misconfigured_base_url,
                     "server_access_token_ttl": settings.access_token_ttl},
        "state": {
            "users": list(state.users),
            "projects": [key for key in state.projects if not key.startswith("~")],
            "repositories": {f"{key}/{slug}": {"webhooks": len(r.webhooks), "branches": sorted(r.git.branches),
                                               "pull_requests": sorted(r.pull_requests)}
                             for (key, slug), r in state.repos.items()},
            "oauth_clients": list(state.oauth_clients),
            "tokens": len(state.tokens),
        },
    }


def register(router: Router) -> None:
    prefix = f"/{NAME}"
    router.add("POST", f"{prefix}/settings", update_settings)
    router.add("POST", f"{prefix}/users", create_user)
    router.add("POST", f"{prefix}/projects", create_project)
    router.add("POST", f"{prefix}/repositories", create_repository)
    router.add("POST", f"{prefix}/oauth-clients", create_oauth_client)
    router.add("POST", f"{prefix}/tokens", create_token)
    router.add("POST", f"{prefix}/tokens/revoke", revoke_token)
    router.add("POST", f"{prefix}/tokens/expire", expire_token)
    router.add("POST", f"{prefix}/events", trigger_event, locked=False)
    router.add("GET", f"{prefix}/hooks", list_hooks)
    router.add("GET", f"{prefix}/statuses", list_statuses)
    router.add("DELETE", f"{prefix}/hooks", delete_hooks)
