"""Bitbucket Server / Data Center context URLs: browse, commits and pull-request pages of project and
personal repositories, `/scm/` clone URLs and ssh remotes, under any context path. Pure.

A host is Bitbucket Server when it is registered for the org (the dispatcher knows), or when the path
shape alone says so (`detect`): `/projects/{KEY}/repos/{slug}`, `/users/{user}/repos/{slug}`,
`/scm/{key}/{slug}.git`, or an ssh remote on Bitbucket Server's default ssh port 7999.
"""

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

PROVIDER = "bitbucket-server"
NAME = "Bitbucket Server"
SSH_PORT = 7999
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
_USER = re.compile(r"^[A-Za-z0-9._@+-]{1,255}$")
_SLUG = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_PR_PAGES = frozenset({"overview", "diff", "commits", "activity"})
_PAGES = "browse, commits or pull-requests"


def _owner(kind: str, name: str) -> str:
    if kind == "users" or name.startswith("~"):
        user = name.removeprefix("~")
        return "~" + check_name(user, "user name", NAME, _USER).lower()
    # Project keys are upper case; clone URLs spell them in lower case.
    return check_name(name, "project key", NAME, _KEY).upper()


def _clone_url(base: str, owner: str, repo: str) -> str:
    return f"{base}/scm/{owner.lower()}/{repo}.git"


def _marker(segments: tuple[str, ...]) -> int | None:
    """Where the repository part of a path starts, so anything before it is the context path."""
    for i, segment in enumerate(segments):
        if segment in ("projects", "users") and len(segments) >= i + 4 and segments[i + 2] == "repos":
            return i
        if segment == "scm" and len(segments) == i + 3:
            return i
    return None


def detect(location: Location) -> str | None:
    if location.is_ssh:
        return f"https://{location.hostname}" if location.port == SSH_PORT and len(location.segments) == 2 else None
    index = _marker(location.segments)
    if index is None:
        return None
    context = "/".join(location.segments[:index])
    return location.origin + (f"/{context}" if context else "")


def at_ref(value: str | None) -> dict:
    """`?at=` / `?until=`: `refs/heads/x` a branch, `refs/tags/x` a tag, a full hash a commit, a bare name
    a branch or a tag (resolution decides)."""
    if not value:
        return {}
    if value.startswith("refs/heads/"):
        return {"kind": "branch", "ref": value.removeprefix("refs/heads/")}
    if value.startswith("refs/tags/"):
        return {"kind": "tag", "ref": value.removeprefix("refs/tags/")}
    if value.startswith("refs/"):
        raise ContextUrlError(f"{NAME} URL: {value!r} is neither a branch (refs/heads/) nor a tag (refs/tags/).")
    if FULL_SHA.match(value.lower()):
        return {"kind": "commit", "commit": value.lower()}
    return {"kind": "branch", "ref": value}


def parse(location: Location, base: str) -> ContextUrl:
    segments = location.after(base)
    if location.is_ssh:
        if len(segments) != 2:
            raise ContextUrlError(f"{NAME} remote: expected /{{key}}/{{slug}}.git, got /{'/'.join(segments)}.")
        owner, repo, found = _owner("projects", segments[0]), strip_git(segments[1]), {"kind": "repository"}
    elif segments[:1] == ("scm",):
        if len(segments) != 3:
            raise ContextUrlError(f"{NAME} clone URL: expected /scm/{{key}}/{{slug}}.git, "
                                  f"got /{'/'.join(segments)}.")
        owner, repo, found = _owner("projects", segments[1]), strip_git(segments[2]), {"kind": "repository"}
    elif len(segments) >= 4 and segments[0] in ("projects", "users") and segments[2] == "repos":
        owner, repo = _owner(segments[0], segments[1]), strip_git(segments[3])
        found = _page(segments[4:], location)
    else:
        shown = "/" + "/".join(segments) if segments else "nothing"
        raise ContextUrlError(f"{NAME} URL: expected /projects/{{KEY}}/repos/{{slug}}, /users/{{user}}/repos/{{slug}} "
                              f"or /scm/{{key}}/{{slug}}.git below {base}, got {shown}.")
    check_name(repo, "repository slug", NAME, _SLUG)
    found.setdefault("kind", "repository")
    return ContextUrl(url=location.original, provider=PROVIDER, host=base, owner=owner, repo=repo,
                      clone_url=_clone_url(base, owner, repo), **found)


def _page(rest: tuple[str, ...], location: Location) -> dict:
    at = location.query.get("at") or None
    if not rest:
        return at_ref(at) or {"kind": "repository"}
    page, tail = rest[0], rest[1:]
    if page == "browse":
        found = at_ref(at)
        if tail:
            found = {**found, "kind": "file", "path": "/".join(tail)}
        return found or {"kind": "repository"}
    if page == "commits":
        if not tail:
            return at_ref(location.query.get("until") or at) or {"kind": "repository"}
        if len(tail) == 1:
            return {"kind": "commit", "commit": sha_of(tail[0], NAME)}
        raise ContextUrlError(f"{NAME} URL: /commits/{'/'.join(tail)} is not a commit page.")
    if page == "pull-requests":
        if not tail:
            raise ContextUrlError(f"{NAME} URL: the pull request number is missing after /pull-requests.")
        if len(tail) > 2 or (len(tail) == 2 and tail[1] not in _PR_PAGES):
            raise ContextUrlError(f"{NAME} URL: /{'/'.join(tail[1:])} is not a pull request page "
                                  f"(expected overview, diff or commits).")
        return {"kind": "pull_request", "number": number_of(tail[0], "pull request", NAME)}
    raise ContextUrlError(f"{NAME} URL: {page!r} after the repository is not a page the portal understands "
                          f"(expected {_PAGES}).")


PARSER = ContextParser(provider=PROVIDER, name=NAME, parse=parse, detect=detect)
