"""Server REST 1.0: application properties, projects, repositories, users, branches, commits, PRs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.httpcore import Request, Response
from emulator.paging import server_page
from emulator.server import shapes
from emulator.server.auth import READ, ServerIdentity, project_visible, repo_level
from emulator.server.errors import no_such_project, no_such_repository, not_permitted, server_error
from emulator.server.models import REPO_LEVELS, Project, ServerRepository
from emulator.server.state import server_settings, server_state

if TYPE_CHECKING:
    from emulator.app import Emulator


def find_project(app: Emulator, identity: ServerIdentity | None, key: str) -> Project:
    project = server_state(app.state).projects.get(key.upper())
    if project is None or not project_visible(app.state, identity, project):
        if project is not None and identity is None:
            raise not_permitted()
        raise no_such_project(key)
    return project


def find_repo(app: Emulator, identity: ServerIdentity | None, key: str, slug: str,
              minimum: int = READ) -> ServerRepository:
    state = app.state
    server = server_state(state)
    if key.upper() not in server.projects:
        raise no_such_project(key)
    repo = server.repo(key, slug)
    if repo is None:
        raise no_such_repository(key, slug)
    level = repo_level(state, identity, repo)
    if level == 0:
        if identity is None:
            raise not_permitted()
        raise no_such_repository(key, slug)
    if level < minimum:
        raise not_permitted(identity.headers() if identity else None)
    return repo


def application_properties(app: Emulator, request: Request, identity: ServerIdentity | None) -> Response:
    return Response.json(200, shapes.application_properties(server_settings(app.settings).version, app.started))


def get_user(app: Emulator, request: Request, identity: ServerIdentity | None, user_slug: str) -> Response:
    if identity is None:
        raise not_permitted()
    found = server_state(app.state).user_by_name(user_slug)
    if found is None:
        raise server_error(404, f"User {user_slug} does not exist.",
                           "com.atlassian.bitbucket.user.NoSuchUserException")
    return Response.json(200, shapes.user(app.state, found))


def list_repos(app: Emulator, request: Request, identity: ServerIdentity | None) -> Response:
    return Response.json(200, server_page(request, _filtered_repos(app, request, identity, None),
                                          lambda repo: shapes.repository(app.state, repo)))


def list_project_repos(app: Emulator, request: Request, identity: ServerIdentity | None,
                       project_key: str) -> Response:
    project = find_project(app, identity, project_key)
    return Response.json(200, server_page(request, _filtered_repos(app, request, identity, project.key),
                                          lambda repo: shapes.repository(app.state, repo)))


def _filtered_repos(app: Emulator, request: Request, identity: ServerIdentity | None,
                    project_key: str | None) -> list[ServerRepository]:
    state = app.state
    name = (request.arg("name") or "").strip().lower()
    key_filter = (request.arg("projectkey") or "").strip().upper()
    project_name = (request.arg("projectname") or "").strip().lower()
    visibility = request.arg("visibility")
    minimum = REPO_LEVELS.get(request.arg("permission") or "", READ)
    out = []
    server = server_state(state)
    for (key, _), repo in sorted(server.repos.items(), key=lambda item: (item[0][0], item[0][1])):
        project = server.projects[key]
        if project_key and key != project_key:
            continue
        if key_filter and key != key_filter:
            continue
        if name and name not in repo.name.lower():
            continue
        if project_name and project_name not in project.name.lower():
            continue
        is_public = repo.public or project.public
        if visibility == "public" and not is_public or visibility == "private" and is_public:
            continue
        if repo_level(state, identity, repo) >= minimum:
            out.append(repo)
    return out


def list_projects(app: Emulator, request: Request, identity: ServerIdentity | None) -> Response:
    state = app.state
    name = (request.arg("name") or "").strip().lower()
    projects = [project for key, project in sorted(server_state(state).projects.items())
                if not key.startswith("~") and (not name or name in project.name.lower())
                and project_visible(state, identity, project)]
    return Response.json(200, server_page(request, projects, lambda p: shapes.project(state, p)))


def get_project(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str) -> Response:
    return Response.json(200, shapes.project(app.state, find_project(app, identity, project_key)))


def get_repo(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
             repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    return Response.json(200, shapes.repository(app.state, repo))


def list_branches(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                  repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    text = (request.arg("filterText") or "").lower()
    names = sorted(name for name in repo.git.branches if text in name.lower())
    if request.arg("orderBy", "MODIFICATION") != "ALPHABETICAL" and repo.git.main_branch in names:
        names.remove(repo.git.main_branch)
        names.insert(0, repo.git.main_branch)
    return Response.json(200, server_page(request, names, lambda name: shapes.branch(repo, name)))


def default_branch(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                   repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    return Response.json(200, shapes.branch(repo, repo.git.main_branch))


def list_tags(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
              repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    return Response.json(200, server_page(request, sorted(repo.git.tags), lambda name: shapes.tag(repo, name)))


def get_tag(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
            repository_slug: str, name: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    short = name.removeprefix("refs/tags/")
    if short not in repo.git.tags:
        raise server_error(404, f"Tag {name} does not exist in this repository",
                           "com.atlassian.bitbucket.repository.NoSuchTagException")
    return Response.json(200, shapes.tag(repo, short))


def list_commits(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                 repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    until = (request.arg("until") or repo.git.main_branch).removeprefix("refs/heads/")
    head = repo.git.find_commit(until)
    if head is None:
        raise _no_commit(until)
    return Response.json(200, server_page(request, repo.git.history(head.hash), shapes.commit))


def get_commit(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
               repository_slug: str, commit_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    found = repo.git.find_commit(commit_id.removeprefix("refs/heads/"))
    if found is None:
        raise _no_commit(commit_id)
    return Response.json(200, shapes.commit(found))


def _no_commit(ref: str):
    return server_error(404, f"Commit '{ref}' does not exist in repository.",
                        "com.atlassian.bitbucket.commit.NoSuchCommitException")


def list_pull_requests(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                       repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    wanted = (request.arg("state") or "OPEN").upper()
    prs = [pr for pr in sorted(repo.pull_requests.values(), key=lambda p: -p.id)
           if wanted == "ALL" or pr.state == wanted]
    return Response.json(200, server_page(request, prs, lambda pr: shapes.pull_request(app.state, repo, pr)))


def get_pull_request(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                     repository_slug: str, pull_request_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug)
    pr = repo.pull_requests.get(int(pull_request_id)) if pull_request_id.isdigit() else None
    if pr is None:
        raise server_error(404, f"Pull request {pull_request_id} does not exist in {project_key}/{repository_slug}.",
                           "com.atlassian.bitbucket.pull.NoSuchPullRequestException")
    return Response.json(200, shapes.pull_request(app.state, repo, pr))
