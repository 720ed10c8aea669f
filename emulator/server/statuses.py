"""Server / Data Center build statuses: the repository-scoped API (`.../commits/{id}/builds`, 7.4+, what
8.x documents) and the older global one (`/rest/build-status/1.0/commits/{id}`, deprecated in 7.14)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator import buildstatus
from emulator.clock import epoch_ms
from emulator.httpcore import Request, Response
from emulator.paging import server_page
from emulator.server.auth import READ, ServerIdentity, repo_level
from emulator.server.errors import not_permitted, server_error
from emulator.server.models import ServerRepository
from emulator.server.state import server_state
from emulator.server.views import find_repo

if TYPE_CHECKING:
    from emulator.app import Emulator

STATES = ("SUCCESSFUL", "FAILED", "INPROGRESS", "CANCELLED", "UNKNOWN")
LEGACY_STATES = ("SUCCESSFUL", "FAILED", "INPROGRESS")


def shape(record: dict[str, Any]) -> dict[str, Any]:
    out = {"key": record["key"], "state": record["state"], "name": record["name"], "url": record["url"],
           "description": record["description"], "createdDate": epoch_ms(record["created"]),
           "updatedDate": epoch_ms(record["updated"])}
    if record.get("ref"):
        out["ref"] = record["ref"]
    return out


def _bad(message: str):
    return server_error(400, message, "com.atlassian.bitbucket.validation.ArgumentValidationException")


def _no_commit(commit_id: str):
    return server_error(404, f"Commit '{commit_id}' does not exist in repository.",
                        "com.atlassian.bitbucket.commit.NoSuchCommitException")


def _store(repo: ServerRepository, commit_hash: str, request: Request, states: tuple[str, ...]) -> None:
    try:
        record = buildstatus.parse(request.json(), states=states, ref_field="ref")
    except buildstatus.StatusInvalid as exc:
        raise _bad(str(exc)) from None
    buildstatus.store(repo.git, commit_hash, record)


def post_builds(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                repository_slug: str, commit_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=READ)
    found = repo.git.find_commit(commit_id)
    if found is None:
        raise _no_commit(commit_id)
    _store(repo, found.hash, request, STATES)
    return Response.empty(204)


def list_builds(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                repository_slug: str, commit_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=READ)
    found = repo.git.find_commit(commit_id)
    if found is None:
        raise _no_commit(commit_id)
    return Response.json(200, server_page(request, list(buildstatus.current(repo.git, found.hash).values()), shape))


def _repos_with_commit(app: Emulator, identity: ServerIdentity, commit_id: str) -> list[tuple[ServerRepository, str]]:
    """The legacy API names only a commit: it lands on every repository the caller can read that has it."""
    found = []
    for repo in server_state(app.state).repos.values():
        commit = repo.git.commits.get(commit_id.lower())
        if commit is not None and repo_level(app.state, identity, repo) >= READ:
            found.append((repo, commit.hash))
    return found


def legacy_post(app: Emulator, request: Request, identity: ServerIdentity | None, commit_id: str) -> Response:
    if identity is None:
        raise not_permitted()
    targets = _repos_with_commit(app, identity, commit_id)
    if not targets:
        raise _no_commit(commit_id)
    for repo, commit_hash in targets:
        _store(repo, commit_hash, request, LEGACY_STATES)
    return Response.empty(204)


def legacy_list(app: Emulator, request: Request, identity: ServerIdentity | None, commit_id: str) -> Response:
    if identity is None:
        raise not_permitted()
    records: list[dict[str, Any]] = []
    for repo, commit_hash in _repos_with_commit(app, identity, commit_id):
        records.extend(buildstatus.current(repo.git, commit_hash).values())
    return Response.json(200, server_page(request, records, shape))
