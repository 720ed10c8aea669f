"""GitLab context URLs: projects in nested groups, `/-/tree`, `/-/blob`, `/-/commit`, `/-/merge_requests`,
`/-/issues` and `/-/tags` pages, clone URLs and scp-like remotes. Pure. Self-managed instances are the
hosts registered for the org."""

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

PROVIDER = "gitlab"
NAME = "GitLab"
_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}$")
# Pages that older GitLab URLs put right after the project, without `/-/`.
_LEGACY_PAGES = frozenset({"tree", "blob", "commit", "commits", "merge_requests", "issues", "tags"})
_PAGES = "tree, blob, commit, commits, merge_requests, issues or tags"


def default_hosts() -> tuple[str, ...]:
    return ("https://gitlab.com",)


def parse(location: Location, base: str) -> ContextUrl:
    segments = location.after(base)
    if "-" in segments:
        cut = segments.index("-")
        project, rest = segments[:cut], segments[cut + 1:]
    else:
        cut = next((i for i, s in enumerate(segments) if i >= 2 and s in _LEGACY_PAGES), len(segments))
        project, rest = segments[:cut], segments[cut:]
    if len(project) < 2:
        raise ContextUrlError(f"{NAME} URL: expected /{{group}}/{{project}} (groups may nest) after the host.")
    for name in project:
        check_name(strip_git(name), "group or project name", NAME, _PATH)
    owner, repo = "/".join(project[:-1]), strip_git(project[-1])
    found = _page(rest) if rest else {"kind": "repository"}
    return ContextUrl(url=location.original, provider=PROVIDER, host=base, owner=owner, repo=repo,
                      clone_url=f"{base}/{owner}/{repo}.git", **found)


def _page(rest: tuple[str, ...]) -> dict:
    page, tail = rest[0], rest[1:]
    if page in ("tree", "commits") and tail:
        ref = "/".join(tail)
        return {"kind": "commit", "commit": ref.lower()} if FULL_SHA.match(ref.lower()) else \
            {"kind": "branch", "ref": ref}
    if page == "blob" and len(tail) >= 2:
        head = tail[0]
        found = {"commit": head.lower()} if FULL_SHA.match(head.lower()) else {"ref": head}
        return {**found, "kind": "file", "path": "/".join(tail[1:])}
    if page == "commit" and len(tail) == 1:
        return {"kind": "commit", "commit": sha_of(tail[0], NAME)}
    if page in ("merge_requests", "issues") and tail:
        what = "merge request" if page == "merge_requests" else "issue"
        return {"kind": "pull_request" if page == "merge_requests" else "issue",
                "number": number_of(tail[0], what, NAME)}
    if page == "tags" and tail:
        return {"kind": "tag", "ref": "/".join(tail)}
    raise ContextUrlError(f"{NAME} URL: /-/{'/'.join(rest)} is not a page the portal understands "
                          f"(expected {_PAGES} with what it names).")


PARSER = ContextParser(provider=PROVIDER, name=NAME, parse=parse, default_hosts=default_hosts)
