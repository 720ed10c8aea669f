"""What a pasted context URL becomes, and the pieces every provider's parser shares. Pure: no network,
no database, no Django settings; provider packages import this, never the other way round."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

KINDS = ("repository", "branch", "tag", "commit", "pull_request", "issue", "file")
MAX_URL_LENGTH = 2048
SHA = re.compile(r"^[0-9a-f]{7,64}$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
NUMBER = re.compile(r"^[1-9][0-9]{0,9}$")
# scp-like git remotes: git@host:owner/repo.git (no scheme, a colon before the path).
_SCP = re.compile(r"^(?:(?P<user>[^@/\s]+)@)?(?P<host>[A-Za-z0-9.-]+):(?!//)(?P<path>[^\s]*)$")


class ContextUrlError(ValueError):
    """The URL could not be understood. `message` names what was not understood, in the user's terms."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ContextUrl:
    """A parsed context URL. `host` is the provider's base URL (scheme, host, port, context path), the
    same form as an integration's host, so it finds the integration on a runner."""

    url: str
    provider: str
    host: str
    owner: str
    repo: str
    kind: str
    ref: str | None = None
    commit: str | None = None
    number: int | None = None
    path: str | None = None
    clone_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Location:
    """A pasted URL taken apart: segments are percent-decoded one by one, so `feature%2Fx` stays one segment."""

    original: str
    scheme: str  # http, https or ssh (scp-like remotes count as ssh)
    hostname: str
    port: int | None
    username: str
    segments: tuple[str, ...]
    query: dict[str, str] = field(default_factory=dict)

    @property
    def is_ssh(self) -> bool:
        return self.scheme == "ssh"

    @property
    def origin(self) -> str:
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return f"{self.scheme}://{host}{f':{self.port}' if self.port else ''}"

    def after(self, base: str) -> tuple[str, ...]:
        """The segments below `base`'s path (an ssh remote has no context path: all of them)."""
        if self.is_ssh:
            return self.segments
        prefix = base_segments(base)
        return self.segments[len(prefix):]


def base_segments(base: str) -> tuple[str, ...]:
    return tuple(s for s in urlsplit(base).path.split("/") if s)


def split_location(text: str) -> Location:
    """Normalize what users paste: surrounding space, no scheme, `user@`, scp-like and ssh:// remotes."""
    value = (text or "").strip()
    if not value:
        raise ContextUrlError("Paste the URL of a repository, branch, commit, pull request, issue or file.")
    if len(value) > MAX_URL_LENGTH:
        raise ContextUrlError(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ContextUrlError("The URL contains spaces or control characters; paste a single URL.")
    scp = _SCP.match(value) if "://" not in value else None
    if scp and "." in scp["host"] and not scp["path"].isdigit():
        return Location(original=value, scheme="ssh", hostname=scp["host"].lower(), port=None,
                        username=scp["user"] or "", segments=_segments(scp["path"]))
    if "://" not in value:
        value = "https://" + value.lstrip("/")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ContextUrlError("The URL has an invalid host or port.") from None
    scheme = parts.scheme.lower()
    if scheme in ("git+ssh", "ssh+git"):
        scheme = "ssh"
    if scheme not in ("http", "https", "ssh"):
        raise ContextUrlError(f"Only https, http and ssh URLs are understood, not {parts.scheme}:.")
    if not parts.hostname:
        raise ContextUrlError("The URL has no host name.")
    query = {key: val for key, val in reversed(parse_qsl(parts.query, keep_blank_values=True))}
    return Location(original=(text or "").strip(), scheme=scheme, hostname=parts.hostname.lower(), port=port,
                    username=unquote(parts.username or ""), segments=_segments(parts.path), query=query)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(unquote(s) for s in path.split("/") if s)


def strip_git(name: str) -> str:
    return name[:-4] if name.endswith(".git") else name


def number_of(value: str, what: str, provider: str) -> int:
    if not NUMBER.match(value):
        raise ContextUrlError(f"{provider} URL: {value!r} is not a {what} number.")
    return int(value)


def sha_of(value: str, provider: str) -> str:
    if not SHA.match(value.lower()):
        raise ContextUrlError(f"{provider} URL: {value!r} is not a commit hash.")
    return value.lower()


def check_name(value: str, what: str, provider: str, pattern: re.Pattern[str]) -> str:
    if not pattern.match(value):
        raise ContextUrlError(f"{provider} URL: {value!r} is not a valid {what}.")
    return value


@dataclass(frozen=True)
class ContextParser:
    """One provider's parser, as the dispatcher (`integrations.context.parsing`) sees it.

    - `default_hosts()`: base URLs that are always this provider's (bitbucket.org, github.com).
    - `parse(location, base)`: the URL below `base`, or `ContextUrlError`.
    - `detect(location)`: the base URL when the path shape alone says it is this provider's (a Bitbucket
      Server `/projects/{KEY}/repos/{slug}` path on an unregistered host), else None.
    """

    provider: str
    name: str
    parse: Callable[[Location, str], ContextUrl]
    default_hosts: Callable[[], Sequence[str]] = lambda: ()
    detect: Callable[[Location], str | None] = lambda location: None


@dataclass(frozen=True)
class PullRequestHead:
    number: int
    title: str
    source_branch: str
    source_commit: str  # may be abbreviated (Bitbucket Cloud answers 12 characters)
    state: str = ""


class RepositoryReader(Protocol):
    """What resolution asks of a provider; each method raises the typed `providers.http` errors."""

    def default_branch(self, owner: str, repo: str) -> str: ...

    def branch_commit(self, owner: str, repo: str, name: str) -> str | None: ...

    def tag_commit(self, owner: str, repo: str, name: str) -> str | None: ...

    def full_commit(self, owner: str, repo: str, commit: str) -> str: ...

    def pull_request(self, owner: str, repo: str, number: int) -> PullRequestHead: ...

    def issue_title(self, owner: str, repo: str, number: int) -> str: ...

    def commit_api_url(self, owner: str, repo: str, commit: str) -> str:
        """Where the API describes the commit (the runner reads it with the clone credential)."""
        ...
