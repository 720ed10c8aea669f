"""Cloud REST 2.0: branches, tags, commits, pull requests, issues and source, enough to resolve URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator import repofiles
from emulator.cloud import shapes
from emulator.cloud.auth import CloudIdentity
from emulator.cloud.errors import cloud_error, not_found
from emulator.cloud.lookup import visible_repo
from emulator.cloud.models import CloudRepository
from emulator.cloud.state import cloud_settings
from emulator.gitdata import Commit
from emulator.httpcore import Request, Response
from emulator.paging import cloud_page

if TYPE_CHECKING:
    from emulator.app import Emulator


def list_branches(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                  repo_slug: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    names = sorted(repo.git.branches)
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, names,
                                         lambda name: shapes.branch(app.state, repo, name)))


def get_branch(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
               repo_slug: str, name: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    if name not in repo.git.branches:
        raise not_found(f"Branch {name}")
    return Response.json(200, shapes.branch(app.state, repo, name))


def list_tags(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
              repo_slug: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    names = sorted(repo.git.tags)
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, names,
                                         lambda name: shapes.tag(app.state, repo, name)))


def get_tag(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
            repo_slug: str, name: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    if name not in repo.git.tags:
        raise not_found(f"Tag {name}")
    return Response.json(200, shapes.tag(app.state, repo, name))


def _commit_or_404(repo: CloudRepository, ref: str) -> Commit:
    found = repo.git.find_commit(ref)
    if found is None:
        raise not_found(f"Commit {ref}")
    return found


def get_commit(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
               repo_slug: str, commit: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    return Response.json(200, shapes.commit(app.state, repo, _commit_or_404(repo, commit)))


def list_commits(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                 repo_slug: str, revision: str | None = None) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    head = _commit_or_404(repo, revision or repo.git.main_branch)
    history = repo.git.history(head.hash)
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, history,
                                         lambda item: shapes.commit(app.state, repo, item)))


def list_pullrequests(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                      repo_slug: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    states = {value.upper() for value in request.query.get("state", [])} or {"OPEN"}
    prs = [pr for pr in sorted(repo.pullrequests.values(), key=lambda p: -p.id) if pr.state in states]
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, prs,
                                         lambda pr: shapes.pullrequest(app.state, repo, pr)))


def get_pullrequest(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                    repo_slug: str, pull_request_id: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    pr = repo.pullrequests.get(_int_id(pull_request_id))
    if pr is None:
        raise not_found(f"Pull request {pull_request_id}")
    return Response.json(200, shapes.pullrequest(app.state, repo, pr))


def _issue_tracker(app: Emulator, identity: CloudIdentity | None, workspace: str,
                   repo_slug: str) -> CloudRepository:
    repo = visible_repo(app, identity, workspace, repo_slug)
    if not repo.has_issues:
        raise not_found("Repository has no issue tracker.")
    return repo


def list_issues(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                repo_slug: str) -> Response:
    repo = _issue_tracker(app, identity, workspace, repo_slug)
    issues = sorted(repo.issues.values(), key=lambda i: i.id)
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, issues,
                                         lambda item: shapes.issue(app.state, repo, item)))


def get_issue(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
              repo_slug: str, issue_id: str) -> Response:
    repo = _issue_tracker(app, identity, workspace, repo_slug)
    item = repo.issues.get(_int_id(issue_id))
    if item is None:
        raise not_found(f"Issue {issue_id}")
    return Response.json(200, shapes.issue(app.state, repo, item))


def get_src(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
            repo_slug: str, commit: str | None = None, path: str = "") -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    target = _commit_or_404(repo, commit or repo.git.main_branch)
    files = repofiles.tree(repo.name)
    path = path.strip("/")
    if repofiles.is_directory(files, path):
        entries = repofiles.listing(files, path)
        return Response.json(200, cloud_page(
            request, cloud_settings(app.settings).url, entries,
            lambda entry: _tree_entry(app, repo, target, entry[0], entry[1]), default_pagelen=100))
    if path not in files:
        raise not_found(f"No such file or directory: {path}")
    if request.arg("format") == "meta":
        return Response.json(200, _tree_entry(app, repo, target, path, False))
    return Response(200, files[path].encode(), [("Content-Type", "text/plain")])


def _tree_entry(app: Emulator, repo: CloudRepository, target: Commit, path: str,
                directory: bool) -> dict[str, Any]:
    api = f"{cloud_settings(app.settings).url}/2.0/repositories/{repo.full_name}"
    entry: dict[str, Any] = {
        "type": "commit_directory" if directory else "commit_file",
        "path": path,
        "commit": {"type": "commit", "hash": target.hash,
                   "links": {"self": shapes.link(f"{api}/commit/{target.hash}")}},
        "links": {"self": shapes.link(f"{api}/src/{target.hash}/{path}{'/' if directory else ''}")},
    }
    if not directory:
        entry.update({"escaped_path": path, "size": len(repofiles.tree(repo.name)[path]), "mimetype": None})
    return entry


def _int_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise cloud_error(404, f"{raw} is not a valid id") from None
