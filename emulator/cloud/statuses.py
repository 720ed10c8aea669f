"""Cloud REST 2.0 commit build statuses: post (create or update by key), list, get one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from emulator import buildstatus
from emulator.cloud.auth import CloudIdentity
from emulator.cloud.errors import cloud_error, not_found
from emulator.cloud.lookup import visible_repo
from emulator.cloud.models import CloudRepository
from emulator.cloud.shapes import CloudUrls, link
from emulator.cloud.state import cloud_settings
from emulator.httpcore import Request, Response
from emulator.paging import cloud_page

if TYPE_CHECKING:
    from emulator.app import Emulator

STATES = ("INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED")


def shape(app: Emulator, repo: CloudRepository, commit_hash: str, record: dict[str, Any]) -> dict[str, Any]:
    commit_api = f"{CloudUrls(app.settings).repo_api(repo)}/commit/{commit_hash}"
    out = {"type": "commitstatus", "key": record["key"], "state": record["state"], "name": record["name"],
           "description": record["description"], "url": record["url"],
           "created_on": record["created"].isoformat(), "updated_on": record["updated"].isoformat(),
           "links": {"self": link(f"{commit_api}/statuses/build/{quote(record['key'], safe='')}"),
                     "commit": link(commit_api)}}
    if record.get("ref"):
        out["refname"] = record["ref"]
    return out


def _commit(repo: CloudRepository, commit: str) -> str:
    found = repo.git.find_commit(commit)
    if found is None:
        raise not_found(f"Commit {commit}")
    return found.hash


def post_build_status(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                      repo_slug: str, commit: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    commit_hash = _commit(repo, commit)
    try:
        record = buildstatus.parse(request.json(), states=STATES, ref_field="refname")
    except buildstatus.StatusInvalid as exc:
        raise cloud_error(400, str(exc)) from None
    saved = buildstatus.store(repo.git, commit_hash, record)
    return Response.json(201, shape(app, repo, commit_hash, saved))


def list_statuses(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                  repo_slug: str, commit: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    commit_hash = _commit(repo, commit)
    records = list(buildstatus.current(repo.git, commit_hash).values())
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, records,
                                         lambda record: shape(app, repo, commit_hash, record)))


def get_build_status(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                     repo_slug: str, commit: str, key: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    commit_hash = _commit(repo, commit)
    record = buildstatus.current(repo.git, commit_hash).get(key)
    if record is None:
        raise not_found(f"Build status {key}")
    return Response.json(200, shape(app, repo, commit_hash, record))
