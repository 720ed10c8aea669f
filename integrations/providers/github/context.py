"""GitHub context URLs: repository, tree (branch), blob (file), commit, pull request, issue and release
tag pages, clone URLs and scp-like remotes. Pure."""

from __future__ import annotations

import re

from integrations.context.base import (
    FULL_SHA,
    ContextParser,
    ContextUrl,
    ContextUrlError,
    Location,
    check_name,
    number_of,
    sha_of,
    strip_git,
)

PROVIDER = "github"
NAME = "GitHub"
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_RESERVED = frozenset({"orgs", "settings", "marketplace", "explore", "notifications", "login", "sponsors",
                       "features", "topics", "search", "pulls", "issues", "apps", "enterprise"})
_PAGES = "tree, blob, commit, commits, pull, issues or releases/tag"


def default_hosts() -> tuple[str, ...]:
    return ("https://github.com",)


def _ref_or_commit(value: str) -> dict:
    return {"kind": "commit", "commit": value.lower()} if FULL_SHA.match(value.lower()) else \
        {"kind": "branch", "ref": value}


def parse(location: Location, base: str) -> ContextUrl:
    segments = location.after(base)
    if len(segments) < 2:
        raise ContextUrlError(f"{NAME} URL: expected /{{owner}}/{{repository}} after the host.")
    owner, repo, rest = segments[0], strip_git(segments[1]), segments[2:]
    if owner.lower() in _RESERVED:
        raise ContextUrlError(f"{NAME} URL: /{owner} is a GitHub page, not a repository.")
    check_name(owner, "owner", NAME, _OWNER)
    check_name(repo, "repository name", NAME, _REPO)
    found = _page(rest) if rest else {"kind": "repository"}
    return ContextUrl(url=location.original, provider=PROVIDER, host=base, owner=owner, repo=repo,
                      clone_url=f"{base}/{owner}/{repo}.git", **found)


def _page(rest: tuple[str, ...]) -> dict:
    page, tail = rest[0], rest[1:]
    if page in ("tree", "commits") and tail:
        # A branch with slashes cannot be told from a path here: the whole rest is the branch.
        return _ref_or_commit("/".join(tail))
    if page == "blob" and len(tail) >= 2:
        return {**_ref_or_commit(tail[0]), "kind": "file", "path": "/".join(tail[1:])}
    if page == "commit" and len(tail) == 1:
        return {"kind": "commit", "commit": sha_of(tail[0], NAME)}
    if page in ("pull", "issues") and tail:
        what = "pull request" if page == "pull" else "issue"
        return {"kind": "pull_request" if page == "pull" else "issue", "number": number_of(tail[0], what, NAME)}
    if page == "releases" and len(tail) >= 2 and tail[0] == "tag":
        return {"kind": "tag", "ref": "/".join(tail[1:])}
    raise ContextUrlError(f"{NAME} URL: /{'/'.join(rest)} after the repository is not a page the portal "
                          f"understands (expected {_PAGES} with what it names).")


PARSER = ContextParser(provider=PROVIDER, name=NAME, parse=parse, default_hosts=default_hosts)
