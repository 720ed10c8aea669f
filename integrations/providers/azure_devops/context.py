"""Azure DevOps context URLs: `dev.azure.com/{org}/{project}/_git/{repo}` (and `{org}.visualstudio.com`),
`?version=GB{branch}|GT{tag}|GC{commit}` and `&path=`, `/commit/{sha}`, `/pullrequest/{id}`, clone URLs
and `git@ssh.dev.azure.com:v3/{org}/{project}/{repo}` remotes. Pure. `owner` is `{org}/{project}`."""

from __future__ import annotations

import re

from integrations.context.base import (
    ContextParser,
    ContextUrl,
    ContextUrlError,
    Location,
    check_name,
    number_of,
    sha_of,
)

PROVIDER = "azure-devops"
NAME = "Azure DevOps"
_NAME = re.compile(r"^[^/\\#?%*:<>|\"]{1,64}$")
_VISUALSTUDIO = re.compile(r"^([a-z0-9][a-z0-9-]{0,62})\.visualstudio\.com$")
HOST = "https://dev.azure.com"


def default_hosts() -> tuple[str, ...]:
    return (HOST, "https://ssh.dev.azure.com")


def detect(location: Location) -> str | None:
    match = _VISUALSTUDIO.match(location.hostname)
    return f"https://{location.hostname}" if match and not location.is_ssh else None


def parse(location: Location, base: str) -> ContextUrl:
    segments = location.after(base)
    vs = _VISUALSTUDIO.match(location.hostname)
    if location.hostname == "ssh.dev.azure.com" or location.is_ssh:
        if len(segments) != 4 or segments[0] != "v3":
            raise ContextUrlError(f"{NAME} remote: expected v3/{{organization}}/{{project}}/{{repository}}.")
        org, project, repo, rest = segments[1], segments[2], segments[3], ()
        base = HOST
    else:
        if vs:
            org = vs.group(1)
            segments = segments[1:] if segments[:1] == ("DefaultCollection",) else segments
            segments = (org, *segments)
        if "_git" not in segments:
            raise ContextUrlError(f"{NAME} URL: expected /{{organization}}/{{project}}/_git/{{repository}}.")
        cut = segments.index("_git")
        if cut == 2:
            org, project = segments[0], segments[1]
        elif cut == 1:  # /{org}/_git/{repo}: the project is named like the repository
            org, project = segments[0], None
        else:
            raise ContextUrlError(f"{NAME} URL: expected /{{organization}}/{{project}}/_git/{{repository}}.")
        if len(segments) <= cut + 1:
            raise ContextUrlError(f"{NAME} URL: the repository name is missing after /_git.")
        repo, rest = segments[cut + 1], segments[cut + 2:]
        project = project or repo
    for value, what in ((org, "organization"), (project, "project"), (repo, "repository name")):
        check_name(value, what, NAME, _NAME)
    found = _page(rest, location)
    host = base if vs else HOST
    prefix = host if vs else f"{HOST}/{org}"
    return ContextUrl(url=location.original, provider=PROVIDER, host=host, owner=f"{org}/{project}", repo=repo,
                      clone_url=f"{prefix}/{project}/_git/{repo}", **found)


def _version(value: str) -> dict:
    kinds = {"GB": "branch", "GT": "tag"}
    if value[:2] in kinds and len(value) > 2:
        return {"kind": kinds[value[:2]], "ref": value[2:]}
    if value.startswith("GC") and len(value) > 2:
        return {"kind": "commit", "commit": sha_of(value[2:], NAME)}
    raise ContextUrlError(f"{NAME} URL: version {value!r} is not GB{{branch}}, GT{{tag}} or GC{{commit}}.")


def _page(rest: tuple[str, ...], location: Location) -> dict:
    if not rest:
        version = location.query.get("version")
        found = _version(version) if version else {"kind": "repository"}
        path = (location.query.get("path") or "").strip("/")
        return {**found, "kind": "file", "path": path} if path else found
    page, tail = rest[0], rest[1:]
    if page == "commit" and len(tail) == 1:
        return {"kind": "commit", "commit": sha_of(tail[0], NAME)}
    if page == "pullrequest" and len(tail) == 1:
        return {"kind": "pull_request", "number": number_of(tail[0], "pull request", NAME)}
    raise ContextUrlError(f"{NAME} URL: /{'/'.join(rest)} after the repository is not a page the portal "
                          "understands (expected commit/{sha} or pullrequest/{id}).")


PARSER = ContextParser(provider=PROVIDER, name=NAME, parse=parse, default_hosts=default_hosts, detect=detect)
