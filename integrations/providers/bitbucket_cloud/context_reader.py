"""Bitbucket Cloud's answers to context resolution (`integrations.context.resolution.RepositoryReader`)."""

from __future__ import annotations

from urllib.parse import quote

from integrations.context.base import PullRequestHead
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.http import NotFound


def _repo(owner: str, repo: str) -> str:
    return f"/2.0/repositories/{quote(owner, safe='')}/{quote(repo, safe='')}"


class CloudContextReader:
    def __init__(self, client: BitbucketCloudClient) -> None:
        self.client = client

    def default_branch(self, owner: str, repo: str) -> str:
        return str((self.client.repository(owner, repo).get("mainbranch") or {}).get("name") or "main")

    def branch_commit(self, owner: str, repo: str, name: str) -> str | None:
        try:
            return str(self.client.branch(owner, repo, name)["target"]["hash"])
        except NotFound:
            return None

    def tag_commit(self, owner: str, repo: str, name: str) -> str | None:
        try:
            body = self.client.session.get_json(f"{_repo(owner, repo)}/refs/tags/{quote(name, safe='')}")
        except NotFound:
            return None
        return str(body["target"]["hash"])

    def full_commit(self, owner: str, repo: str, commit: str) -> str:
        return str(self.client.commit(owner, repo, commit)["hash"])

    def pull_request(self, owner: str, repo: str, number: int) -> PullRequestHead:
        body = self.client.pull_request(owner, repo, number)
        source = body.get("source") or {}
        return PullRequestHead(number=int(body.get("id") or number), title=str(body.get("title") or ""),
                               source_branch=str((source.get("branch") or {}).get("name") or ""),
                               source_commit=str((source.get("commit") or {}).get("hash") or ""),
                               state=str(body.get("state") or ""))

    def issue_title(self, owner: str, repo: str, number: int) -> str:
        return str(self.client.issue(owner, repo, number).get("title") or "")

    def commit_api_url(self, owner: str, repo: str, commit: str) -> str:
        return f"{str(self.client.session.base_url).rstrip('/')}{_repo(owner, repo)}/commit/{commit}"
