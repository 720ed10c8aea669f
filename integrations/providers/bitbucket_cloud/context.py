"""Bitbucket Cloud context URLs: web pages, clone URLs and scp-like remotes of one repository. Pure."""

from __future__ import annotations

import re

from django.conf import settings

from integrations.context.base import (
    SHA,
    ContextParser,
    ContextUrl,
    ContextUrlError,
    Location,
    check_name,
    number_of,
    sha_of,
    strip_git,
)

PROVIDER = "bitbucket-cloud"
NAME = "Bitbucket Cloud"
_SLUG = re.compile(r"^[A-Za-z0-9._{}-]{1,128}$")
# First path segments that are bitbucket.org's own pages, never a workspace.
_RESERVED = frozenset({"account", "dashboard", "site", "product", "repo", "snippets", "workspace", "socialauth"})
_PAGES = "src, branch, commits, pull-requests or issues"


def default_hosts() -> tuple[str, ...]:
    # The setting points tests and the demo at the emulator; bitbucket.org is always Cloud.
    return tuple(dict.fromkeys((settings.BITBUCKET_CLOUD_WEB_URL.rstrip("/"), "https://bitbucket.org")))


def _join(parts: tuple[str, ...], what: str) -> str:
    name = "/".join(parts)
    if not name:
        raise ContextUrlError(f"{NAME} URL: the {what} name is missing.")
    return name


def parse(location: Location, base: str) -> ContextUrl:
    segments = location.after(base)
    if len(segments) < 2:
        raise ContextUrlError(f"{NAME} URL: expected /{{workspace}}/{{repository}} after the host, "
                              f"got {'/' + '/'.join(segments) if segments else 'nothing'}.")
    workspace, repo, rest = segments[0], strip_git(segments[1]), segments[2:]
    if workspace.lower() in _RESERVED:
        raise ContextUrlError(f"{NAME} URL: /{workspace} is a Bitbucket page, not a repository.")
    check_name(workspace, "workspace", NAME, _SLUG)
    check_name(repo, "repository slug", NAME, _SLUG)
    at = location.query.get("at") or None
    found: dict = {"kind": "repository", "ref": at}
    if at:
        found["kind"] = "branch"
    if location.is_ssh and rest:
        raise ContextUrlError(f"{NAME} remote: unexpected {'/'.join(rest)!r} after the repository.")
    if rest:
        found = _page(rest, at)
    return ContextUrl(url=location.original, provider=PROVIDER, host=base, owner=workspace, repo=repo,
                      clone_url=f"{base}/{workspace}/{repo}.git", **found)


def _page(rest: tuple[str, ...], at: str | None) -> dict:
    page, tail = rest[0], rest[1:]
    if page == "src":
        return _src(tail, at)
    if page == "branch":
        return {"kind": "branch", "ref": _join(tail, "branch")}
    if page == "commits":
        if not tail:
            return {"kind": "branch", "ref": at} if at else {"kind": "repository"}
        if tail[0] == "branch":
            return {"kind": "branch", "ref": _join(tail[1:], "branch")}
        if tail[0] == "tag":
            return {"kind": "tag", "ref": _join(tail[1:], "tag")}
        if len(tail) == 1:
            return {"kind": "commit", "commit": sha_of(tail[0], NAME), "ref": at}
        raise ContextUrlError(f"{NAME} URL: /commits/{'/'.join(tail)} is not a commit, branch or tag page.")
    if page in ("pull-requests", "issues"):
        what = "pull request" if page == "pull-requests" else "issue"
        if not tail:
            raise ContextUrlError(f"{NAME} URL: the {what} number is missing after /{page}.")
        kind = "pull_request" if page == "pull-requests" else "issue"
        return {"kind": kind, "number": number_of(tail[0], what, NAME)}
    raise ContextUrlError(f"{NAME} URL: {page!r} after the repository is not a page the portal understands "
                          f"(expected {_PAGES}).")


def _src(tail: tuple[str, ...], at: str | None) -> dict:
    """`/src/{ref-or-commit}/{path}`: `?at=` names the branch when the segment is a commit or a ref with
    slashes; a hex segment is a commit."""
    if not tail:
        return {"kind": "branch", "ref": at} if at else {"kind": "repository"}
    ref: str | None = None
    commit: str | None = None
    at_parts = tuple(at.split("/")) if at else ()
    if at and tail[: len(at_parts)] == at_parts:
        ref, path = at, tail[len(at_parts):]
    else:
        head, path = tail[0], tail[1:]
        if SHA.match(head.lower()):
            commit, ref = head.lower(), at
        else:
            ref = head
    file_path = "/".join(path) or None
    if file_path:
        return {"kind": "file", "ref": ref, "commit": commit, "path": file_path}
    if commit and not ref:
        return {"kind": "commit", "commit": commit}
    return {"kind": "branch", "ref": ref, "commit": commit}


PARSER = ContextParser(provider=PROVIDER, name=NAME, parse=parse, default_hosts=default_hosts)
