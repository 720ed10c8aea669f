"""A parsed context URL resolved against the provider's API with a user's connection: the default branch for a
bare repository, a bare name to a branch or a tag, a pull request to its source branch and commit, an issue to
the default branch plus a suggested branch name. Provider packages give a `RepositoryReader` over their
client (`Provider.context_reader`); nothing here knows a provider's wire format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from integrations.context.base import ContextUrl, PullRequestHead, RepositoryReader
from integrations.providers.http import NotFound, ProviderError
from integrations.providers.protocol import NotSupportedYet

ReaderFactory = Callable[[Any], RepositoryReader]


class ContextNotFound(Exception):
    """The URL names something the provider does not have (or the user cannot see). `message` says what."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ResolvedContext:
    """What an environment starts from: always a commit; a branch unless the URL named a tag or a commit."""

    context: ContextUrl
    ref: str | None  # the branch or tag name
    ref_type: str  # "branch", "tag" or "commit" (detached)
    commit: str
    default_branch: str
    pull_request: int | None = None
    pull_request_title: str = ""
    issue: int | None = None
    issue_title: str = ""
    suggested_branch: str = ""  # for an issue: a new branch to work on it
    commit_api_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["context"] = self.context.as_dict()
        return data


def slugify_branch(text: str, *, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "issue"


def suggested_issue_branch(*, username: str, title: str, number: int) -> str:
    user = re.sub(r"[^A-Za-z0-9._-]+", "-", username).strip("-.") or "me"
    return f"{user}/{slugify_branch(title)}-{number}"


def resolve_context(context: ContextUrl, *, reader: RepositoryReader, username: str = "") -> ResolvedContext:
    """Raises `ContextNotFound` for a missing repository, ref, pull request or issue, and the typed provider
    errors (unauthorized, rate limited, unavailable) for everything else."""
    owner, repo = context.owner, context.repo
    where = f"{owner}/{repo}"
    try:
        default = reader.default_branch(owner, repo)
    except NotFound:
        raise ContextNotFound(f"The repository {where} does not exist, or your account cannot see it.") from None
    base = {"context": context, "default_branch": default}
    if context.kind == "pull_request":
        pr = _found(lambda: reader.pull_request(owner, repo, context.number),
                    f"Pull request #{context.number} does not exist in {where}.")
        commit = _found(lambda: reader.full_commit(owner, repo, pr.source_commit),
                        f"The source commit of pull request #{pr.number} is not in {where}.")
        return ResolvedContext(**base, ref=pr.source_branch, ref_type="branch", commit=commit,
                               pull_request=pr.number, pull_request_title=pr.title)
    if context.kind == "issue":
        title = _found(lambda: reader.issue_title(owner, repo, context.number),
                       f"Issue #{context.number} does not exist in {where} (or its issue tracker is off).")
        commit = _branch_or_fail(reader, context, default)
        return ResolvedContext(**base, ref=default, ref_type="branch", commit=commit, issue=context.number,
                               issue_title=title,
                               suggested_branch=suggested_issue_branch(username=username, title=title,
                                                                       number=context.number))
    if context.ref and context.kind == "tag":
        commit = reader.tag_commit(owner, repo, context.ref)
        if commit is None:
            raise ContextNotFound(f"The tag {context.ref} does not exist in {where}.")
        return ResolvedContext(**base, ref=context.ref, ref_type="tag", commit=commit)
    if context.ref:
        # A bare name may be a branch or a tag: the branch wins, as in git.
        commit = reader.branch_commit(owner, repo, context.ref)
        if commit is not None:
            return ResolvedContext(**base, ref=context.ref, ref_type="branch", commit=commit)
        commit = reader.tag_commit(owner, repo, context.ref)
        if commit is not None:
            return ResolvedContext(**base, ref=context.ref, ref_type="tag", commit=commit)
        if context.commit:  # a commit page that also named a branch which has since gone
            return _at_commit(reader, context, base)
        raise ContextNotFound(f"{context.ref} is neither a branch nor a tag of {where}.")
    if context.commit:
        return _at_commit(reader, context, base)
    return ResolvedContext(**base, ref=default, ref_type="branch", commit=_branch_or_fail(reader, context, default))


def _at_commit(reader: RepositoryReader, context: ContextUrl, base: dict) -> ResolvedContext:
    commit = _found(lambda: reader.full_commit(context.owner, context.repo, context.commit),
                    f"The commit {context.commit} does not exist in {context.owner}/{context.repo}.")
    return ResolvedContext(**base, ref=None, ref_type="commit", commit=commit)


def _branch_or_fail(reader: RepositoryReader, context: ContextUrl, branch: str) -> str:
    commit = reader.branch_commit(context.owner, context.repo, branch)
    if commit is None:
        raise ContextNotFound(f"{context.owner}/{context.repo} has no commits on its default branch {branch} yet.")
    return commit


def _found(call: Callable[[], Any], message: str) -> Any:
    try:
        return call()
    except NotFound:
        raise ContextNotFound(message) from None


def reader_for(provider, client) -> RepositoryReader:
    factory: ReaderFactory | None = getattr(provider, "context_reader", None)
    if factory is None:
        raise NotSupportedYet(f"{provider.spec.name}: the portal cannot resolve its URLs yet.")
    return factory(client)


__all__ = ["ContextNotFound", "ProviderError", "PullRequestHead", "RepositoryReader", "ResolvedContext",
           "reader_for", "resolve_context", "suggested_issue_branch"]
