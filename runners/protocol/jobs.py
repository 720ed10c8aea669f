"""Job kinds and their shapes: what the portal asks of a runner's agent and what the agent answers.

Adding a job kind: a `JobKind` member, a payload and a result dataclass registered in `KINDS`, and a
handler in `runners/agent/jobs.py` (`HANDLERS`). A test fails while any of the three is missing.

On the wire a job is `{"id", "kind", "payload": {...}, "expires_at"}` and an answer `{"ok", "result"}`
or `{"ok": false, "error"}`; the dicts are `encode()`d dataclasses. Decoding checks every field's
type and ignores fields it does not know, so a newer portal may add optional fields without
breaking an older agent, and the other way round.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from dataclasses import dataclass, field
from typing import Any


class ProtocolError(ValueError):
    """A payload or result that does not have its kind's shape. The message names the field, never a value."""


# Ends every agent error that means "the sealed client secret cannot be used": the portal marks the
# secret for re-entry when it reads this, whichever job found out.
SECRET_UNUSABLE = "Re-enter the secret in the portal."


class JobKind(enum.StrEnum):
    PING = "ping"
    OAUTH_TOKEN = "oauth.token"
    SECRET_CHECK = "secret.check"
    PREBUILD = "prebuild"
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class PingPayload:
    pass


@dataclass(frozen=True)
class PingResult:
    pong: bool
    agent_version: str = ""
    time: float = 0.0


@dataclass(frozen=True)
class OAuthTokenPayload:
    """Post `grant` to the token URL sealed with the client secret of integration `integration_id`."""

    sealed: str
    integration_id: int
    # grant_type plus code/redirect_uri/code_verifier or refresh_token (and e.g. scope).
    grant: dict[str, Any] = field(repr=False)
    # For a caller-sealed blob (sealed in a browser or by an API client): the row's key it is bound to,
    # and what the portal expects inside it; the agent refuses a document that names anything else.
    integration_key: str = ""
    token_url: str = ""
    client_id: str = ""


@dataclass(frozen=True)
class SecretCheckPayload:
    """Does this integration's sealed client secret open, and say what the portal expects? Asked right
    after a caller-sealed secret is saved, so "re-enter the secret" shows then, not at the first Connect."""

    sealed: str
    integration_id: int
    integration_key: str = ""
    token_url: str = ""
    client_id: str = ""


@dataclass(frozen=True)
class SecretCheckResult:
    opens: bool
    reason: str = ""  # why not, in words for the admin; never part of the secret


@dataclass(frozen=True)
class OAuthTokenResult:
    """The provider's token endpoint response as the agent got it."""

    status: int
    body: dict[str, Any] = field(repr=False)  # holds tokens


@dataclass(frozen=True)
class PrebuildPayload:
    """Run prebuild `prebuild_id`: the agent asks the portal for the work (and a sealed clone credential)
    when it starts, reports output and liveness while it runs, and says how it ended."""

    prebuild_id: int


@dataclass(frozen=True)
class PrebuildResult:
    prebuild_id: int
    state: str  # succeeded | failed | cancelled | not-started (cancelled or superseded before it began)


@dataclass(frozen=True)
class EnvironmentPayload:
    """Start an environment: run the runner's environment command for one resolved repository and commit.

    `sealed_credential` is a clone credential sealed to this runner's key for `purpose`
    (`runners.agent.clone_credential`); `commit_api_url` is where the provider's API describes the commit.
    """

    environment_request_id: int
    purpose: str
    provider: str
    repository: str
    clone_url: str
    ref: str
    ref_type: str
    commit: str
    commit_api_url: str
    api_auth: str  # "bearer" or "basic": how the credential authenticates API calls
    git_author_name: str
    git_author_email: str
    sealed_credential: str = field(repr=False)
    pull_request: int = 0
    suggested_branch: str = ""
    report_path: str = ""  # the agent API path the agent reports started / failed to


@dataclass(frozen=True)
class EnvironmentResult:
    environment_request_id: int
    state: str  # "started" or "failed"
    reason: str = ""


@dataclass(frozen=True)
class KindSpec:
    payload: type
    result: type


KINDS: dict[JobKind, KindSpec] = {
    JobKind.PING: KindSpec(payload=PingPayload, result=PingResult),
    JobKind.OAUTH_TOKEN: KindSpec(payload=OAuthTokenPayload, result=OAuthTokenResult),
    JobKind.SECRET_CHECK: KindSpec(payload=SecretCheckPayload, result=SecretCheckResult),
    JobKind.PREBUILD: KindSpec(payload=PrebuildPayload, result=PrebuildResult),
    JobKind.ENVIRONMENT: KindSpec(payload=EnvironmentPayload, result=EnvironmentResult),
}


def register_kind(kind: JobKind, *, payload: type, result: type) -> None:
    """For tests and extensions; the kinds this code base ships are listed in KINDS above."""
    KINDS[kind] = KindSpec(payload=payload, result=result)


def kind_of(payload: object) -> JobKind:
    for kind, spec in KINDS.items():
        if type(payload) is spec.payload:
            return kind
    raise ProtocolError(f"{type(payload).__name__} is not the payload of any job kind.")


def encode(shape: object) -> dict[str, Any]:
    """A payload or result dataclass as the JSON object sent on the wire."""
    if not dataclasses.is_dataclass(shape) or isinstance(shape, type):
        raise ProtocolError(f"{type(shape).__name__} is not a job payload or result.")
    return {f.name: getattr(shape, f.name) for f in dataclasses.fields(shape)}


def _spec(kind: str) -> tuple[JobKind, KindSpec]:
    try:
        job_kind = JobKind(kind)
        return job_kind, KINDS[job_kind]
    except (ValueError, KeyError):
        raise ProtocolError(f"Unknown job kind {kind!r}.") from None


def decode_payload(kind: str, data: object) -> Any:
    return decode(_spec(kind)[1].payload, data)


def decode_result(kind: str, data: object) -> Any:
    return decode(_spec(kind)[1].result, data)


_PLAIN = {str: str, int: int, float: (int, float), bool: bool, dict: dict, list: list}


def _accepts(annotation: Any, value: object) -> bool:
    origin = typing.get_origin(annotation) or annotation
    expected = _PLAIN.get(origin)
    if expected is None:
        return True  # Any and the like: the handler checks what it needs
    if isinstance(value, bool) and origin is not bool:
        return False  # JSON true is not the number 1
    if not isinstance(value, expected):
        return False
    if origin is dict:
        return all(isinstance(k, str) for k in value)
    return True


def decode(cls: type, data: object) -> Any:
    """`data` (a JSON object) as an instance of the dataclass `cls`, every field's type checked."""
    if not isinstance(data, dict):
        raise ProtocolError(f"{cls.__name__}: expected a JSON object.")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ProtocolError(f"{cls.__name__}: {f.name} is missing.")
            continue
        value = data[f.name]
        if not _accepts(hints[f.name], value):
            raise ProtocolError(f"{cls.__name__}: {f.name} has the wrong type.")
        values[f.name] = float(value) if hints[f.name] is float else value
    return cls(**values)
