"""Bitbucket Cloud commit build statuses: `POST /2.0/repositories/{ws}/{slug}/commit/{sha}/statuses/build`.

A post with a key the commit already has updates that status (Bitbucket keeps one per key). Needs the
`repository` scope (the Cloud OpenAPI description) and read access to the repository.
"""

from __future__ import annotations

from integrations.providers import build_status as bs
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient, _repo_path, _seg

WIRE_STATES = {bs.IN_PROGRESS: "INPROGRESS", bs.SUCCESSFUL: "SUCCESSFUL", bs.FAILED: "FAILED",
               bs.STOPPED: "STOPPED"}


def _split(repository: str) -> tuple[str, str]:
    workspace, _, slug = repository.partition("/")
    return workspace, slug


def status_body(status: bs.BuildStatus) -> dict:
    body = {"key": bs.clipped(status.key), "state": WIRE_STATES[status.state], "name": bs.clipped(status.name),
            "url": status.url, "description": bs.clipped(status.description)}
    if status.ref.startswith("refs/heads/"):
        body["refname"] = bs.clipped(status.ref.removeprefix("refs/heads/"))
    return body


def post_build_status(client: BitbucketCloudClient, *, repository: str, commit: str, status: bs.BuildStatus,
                      server_version: str = "") -> None:
    workspace, slug = _split(repository)
    path = f"{_repo_path(workspace, slug)}/commit/{_seg(commit)}/statuses/build"
    client.session.request_json("POST", path, json_body=status_body(status))


def commit_api_url(client: BitbucketCloudClient, *, repository: str, commit: str) -> str:
    """Where the commit's metadata is read (the demo prebuild command reads it with the clone credential)."""
    workspace, slug = _split(repository)
    return f"{str(client.session.base_url).rstrip('/')}{_repo_path(workspace, slug)}/commit/{_seg(commit)}"
