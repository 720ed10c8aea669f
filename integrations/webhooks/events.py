"""The normalized webhook event: what a provider's delivery means, whatever its wire format.

Each provider's payload module (`providers/<id>/webhooks.py`) turns a delivery into one
`WebhookEvent` through an explicit event-key -> handler map (Zulip's model). Handlers declare the
event keys they were written for; meeting any other key is a programming error (`UndeclaredEvent`),
which the fixture tests catch. No Django here: the receiver, the Celery task and the
`parse_webhook` command all use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PUSH = "push"
PULL_REQUEST = "pull_request"
PING = "ping"
IGNORED = "ignored"


class MalformedPayload(ValueError):
    """The body is not what the provider sends for this event; the message says what is wrong."""


class UndeclaredEvent(LookupError):
    """A handler was given an event key it does not declare: the map and the handler disagree."""


@dataclass(frozen=True)
class RefChange:
    """One ref moved by a push. `old` is None for a new ref, `new` is None for a deleted one."""

    ref: str
    old: str | None
    new: str | None

    @property
    def created(self) -> bool:
        return self.old is None

    @property
    def deleted(self) -> bool:
        return self.new is None

    @property
    def is_branch(self) -> bool:
        return self.ref.startswith("refs/heads/")

    def as_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "old": self.old, "new": self.new, "created": self.created, "deleted": self.deleted}


@dataclass(frozen=True)
class PullRequest:
    id: int
    action: str  # opened | updated | merged | declined
    source_ref: str
    source_commit: str | None
    target_ref: str
    target_commit: str | None = None
    author: str | None = None
    title: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "source_ref": self.source_ref,
                "source_commit": self.source_commit, "target_ref": self.target_ref,
                "target_commit": self.target_commit, "author": self.author, "title": self.title}


@dataclass(frozen=True)
class WebhookEvent:
    kind: str  # push | pull_request | ping | ignored
    event_key: str
    repository: str | None = None
    changes: tuple[RefChange, ...] = field(default=())
    pull_request: PullRequest | None = None

    @property
    def handled(self) -> bool:
        return self.kind in (PUSH, PULL_REQUEST)

    def as_json(self) -> dict[str, Any]:
        return {"event": self.kind, "event_key": self.event_key, "repository": self.repository,
                "changes": [c.as_json() for c in self.changes],
                "pull_request": self.pull_request.as_json() if self.pull_request else None}

    def summary(self) -> str:
        """One line for the delivery log."""
        if self.kind == PUSH:
            if not self.changes:
                return "Push without ref changes"
            parts = []
            for change in self.changes:
                name = short_ref(change.ref)
                if change.deleted:
                    parts.append(f"{name} deleted")
                elif change.created:
                    parts.append(f"{name} created at {short_sha(change.new)}")
                else:
                    parts.append(f"{name} {short_sha(change.old)} → {short_sha(change.new)}")
            return "Push: " + ", ".join(parts)
        if self.kind == PULL_REQUEST and self.pull_request is not None:
            pr = self.pull_request
            return (f"Pull request #{pr.id} {pr.action}: {short_ref(pr.source_ref)} → {short_ref(pr.target_ref)}"
                    + (f" at {short_sha(pr.source_commit)}" if pr.source_commit else ""))
        if self.kind == PING:
            return "Ping"
        return f"Ignored: {self.event_key} is not an event this portal acts on"


def short_ref(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def short_sha(sha: str | None) -> str:
    return (sha or "")[:7] or "?"


# --- dispatch ---------------------------------------------------------------------------------

Handler = Callable[[str, Mapping[str, Any]], WebhookEvent]


@dataclass(frozen=True)
class DeclaredHandler:
    """A handler with the event keys it was written for."""

    events: frozenset[str]
    function: Handler

    def __call__(self, event_key: str, payload: Mapping[str, Any]) -> WebhookEvent:
        if event_key not in self.events:
            raise UndeclaredEvent(f"{self.function.__name__} does not handle {event_key!r}; "
                                  f"it declares {sorted(self.events)}")
        return self.function(event_key, payload)


def handles(*events: str) -> Callable[[Handler], DeclaredHandler]:
    """Decorator: `@handles("repo:push")` declares the keys a handler accepts."""

    def wrap(function: Handler) -> DeclaredHandler:
        return DeclaredHandler(frozenset(events), function)

    return wrap


def build_handler_map(*handlers: DeclaredHandler) -> dict[str, DeclaredHandler]:
    """The explicit event -> handler map; a key claimed by two handlers is a mistake."""
    out: dict[str, DeclaredHandler] = {}
    for handler in handlers:
        for event in handler.events:
            if event in out:
                raise ValueError(f"{event} is declared by two handlers")
            out[event] = handler
    return out


def decode_payload(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or MalformedPayload saying why not."""
    try:
        payload = json.loads(body.decode("utf-8"))  # Bitbucket sends UTF-8; no guessing at UTF-16
    except UnicodeDecodeError:
        raise MalformedPayload("the body is not UTF-8 text") from None
    except ValueError as exc:
        raise MalformedPayload(f"the body is not valid JSON ({exc.args[0] if exc.args else exc})") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("the body is not a JSON object")
    return payload


def dispatch(handler_map: Mapping[str, DeclaredHandler], ping_events: Iterable[str], event_key: str,
             payload: Mapping[str, Any]) -> WebhookEvent:
    """A decoded delivery of `event_key`: ping, a handled event, or ignored."""
    if event_key in ping_events:
        return WebhookEvent(kind=PING, event_key=event_key)
    handler = handler_map.get(event_key)
    if handler is None:
        return WebhookEvent(kind=IGNORED, event_key=event_key)
    return handler(event_key, payload)


# --- small readers that say what is missing ----------------------------------------------------


def dig(payload: Any, *path: str, event_key: str, required: bool = True) -> Any:
    """`payload[a][b]...`; a missing or null required step raises MalformedPayload naming the path."""
    value = payload
    for depth, key in enumerate(path):
        if not isinstance(value, Mapping) or value.get(key) is None:
            if not required:
                return None
            where = ".".join(path[: depth + 1])
            raise MalformedPayload(f"{event_key}: {where} is missing")
        value = value[key]
    return value


def text(payload: Any, *path: str, event_key: str, required: bool = True) -> str | None:
    value = dig(payload, *path, event_key=event_key, required=required)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise MalformedPayload(f"{event_key}: {'.'.join(path)} is not a string")
    return str(value)
