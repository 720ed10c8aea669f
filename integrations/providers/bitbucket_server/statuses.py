"""Bitbucket Server / Data Center commit build statuses.

8.x documents the repository-scoped API, `POST /rest/api/latest/projects/{KEY}/repos/{slug}/commits/{sha}/builds`
(REPO_READ; states include CANCELLED). Older servers have only the global
`POST /rest/build-status/1.0/commits/{sha}` (SUCCESSFUL, FAILED, INPROGRESS: a stopped build is FAILED there).
Both answer 204 and keep one status per key.
"""

from __future__ import annotations

from integrations.providers import build_status as bs
from integrations.providers.bitbucket_server.client import BitbucketServerClient, _repo_path, _seg, parse_version

REPOSITORY_SCOPED_SINCE = (8, 0)
WIRE_STATES = {bs.IN_PROGRESS: "INPROGRESS", bs.SUCCESSFUL: "SUCCESSFUL", bs.FAILED: "FAILED",
               bs.STOPPED: "CANCELLED"}
LEGACY_WIRE_STATES = {**WIRE_STATES, bs.STOPPED: "FAILED"}


def _split(repository: str) -> tuple[str, str]:
    project, _, slug = repository.partition("/")
    return project, slug


def uses_repository_scoped_api(server_version: str) -> bool:
    """An unknown version gets the current API: every supported Data Center release has it."""
    version = parse_version(server_version) if server_version else ()
    return not version or version >= REPOSITORY_SCOPED_SINCE


def status_body(status: bs.BuildStatus, *, legacy: bool = False) -> dict:
    states = LEGACY_WIRE_STATES if legacy else WIRE_STATES
    body = {"key": bs.clipped(status.key), "state": states[status.state], "name": bs.clipped(status.name),
            "url": status.url, "description": bs.clipped(status.description)}
    if status.ref.startswith("refs/") and not legacy:
        body["ref"] = status.ref
    return body


def post_build_status(client: BitbucketServerClient, *, repository: str, commit: str, status: bs.BuildStatus,
                      server_version: str = "") -> None:
    if uses_repository_scoped_api(server_version):
        project, slug = _split(repository)
        path = _repo_path(project, slug).replace("/rest/api/1.0/", "/rest/api/latest/", 1)
        client.session.request_json("POST", f"{path}/commits/{_seg(commit)}/builds", json_body=status_body(status))
    else:
        client.session.request_json("POST", f"/rest/build-status/1.0/commits/{_seg(commit)}",
                                    json_body=status_body(status, legacy=True))


def commit_api_url(client: BitbucketServerClient, *, repository: str, commit: str) -> str:
    project, slug = _split(repository)
    return f"{str(client.session.base_url).rstrip('/')}{_repo_path(project, slug)}/commits/{_seg(commit)}"
