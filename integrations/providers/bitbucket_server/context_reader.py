"""Bitbucket Server's answers to context resolution (`integrations.context.resolution.RepositoryReader`).
Server has no issue tracker of its own (teams use Jira): an issue URL cannot come from it."""

from __future__ import annotations

from urllib.parse import quote

from integrations.context.base import PullRequestHead
from integrations.providers.bitbucket_server.client import API, BitbucketServerClient
from integrations.providers.http import NotFound


def _repo(owner: str, repo: str) -> str:
    return f"{API}/projects/{quote(owner, safe='~')}/repos/{quote(repo, safe='')}"


class ServerContextReader:
    def __init__(self, client: BitbucketServerClient) -> None:
        self.client = client

    def default_branch(self, owner: str, repo: str) -> str:
        self.client.repository(owner, repo)  # a missing repository is a 404 here, not an empty repository
        try:
            return str(self.client.session.get_json(f"{_repo(owner, repo)}/branches/default")["displayId"])
        except NotFound:
            return "master"

    def branch_commit(self, owner: str, repo: str, name: str) -> str | None:
        for branch in self.client.branches(owner, repo, filter_text=name):
            if branch.get("displayId") == name or branch.get("id") == f"refs/heads/{name}":
                return str(branch["latestCommit"])
        return None

    def tag_commit(self, owner: str, repo: str, name: str) -> str | None:
        try:
            body = self.client.session.get_json(f"{_repo(owner, repo)}/tags/{quote(name, safe='/')}")
        except NotFound:
            return None
        return str(body.get("latestCommit") or body.get("hash"))

    def full_commit(self, owner: str, repo: str, commit: str) -> str:
        return str(self.client.commit(owner, repo, commit)["id"])

    def pull_request(self, owner: str, repo: str, number: int) -> PullRequestHead:
        body = self.client.pull_request(owner, repo, number)
        source = body.get("fromRef") or {}
        return PullRequestHead(number=int(body.get("id") or number), title=str(body.get("title") or ""),
                               source_branch=str(source.get("displayId") or ""),
                               source_commit=str(source.get("latestCommit") or ""),
                               state=str(body.get("state") or ""))

    def issue_title(self, owner: str, repo: str, number: int) -> str:
        raise NotFound("Bitbucket Server has no issue tracker", provider="bitbucket-server")

    def commit_api_url(self, owner: str, repo: str, commit: str) -> str:
        return f"{str(self.client.session.base_url).rstrip('/')}{_repo(owner, repo)}/commits/{commit}"
