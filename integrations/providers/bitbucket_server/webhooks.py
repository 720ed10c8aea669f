"""Bitbucket Server / Data Center webhook deliveries -> normalized events.

The event key is the `X-Event-Key` header; Server also repeats it in the body as `eventKey`, and a
body that names another event is refused rather than guessed at. Dates are not read (DC 10.3 moved
pull-request dates from epoch milliseconds to ISO strings), and neither are links (they carry the
instance's context path, or `localhost:7990` when its base URL was never set).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.webhooks.events import (
    PULL_REQUEST,
    PUSH,
    MalformedPayload,
    PullRequest,
    RefChange,
    WebhookEvent,
    build_handler_map,
    decode_payload,
    dig,
    dispatch,
    handles,
    text,
)

PROVIDER = "bitbucket-server"
SUBSCRIBED_EVENTS = ("repo:refs_changed", "pr:opened", "pr:from_ref_updated", "pr:merged")
# Sent by the hook's "Test connection" button; the body is `{"test": true}`.
PING_EVENTS = frozenset({"diagnostics:ping"})
ZERO_HASH = "0" * 40

_PR_ACTIONS = {
    "pr:opened": "opened",
    "pr:from_ref_updated": "updated",
    "pr:merged": "merged",
    "pr:declined": "declined",
}


def repository_name(repository: Any, *, event_key: str, where: str) -> str:
    """`KEY/slug` (personal projects keep their `~USER` key) from a repository object."""
    key = text(repository, "project", "key", event_key=event_key)
    slug = text(repository, "slug", event_key=event_key)
    if key is None or slug is None:  # pragma: no cover - text() raises first
        raise MalformedPayload(f"{event_key}: {where} has no project key or slug")
    return f"{key}/{slug}"


def _hash(value: Any) -> str | None:
    if value in (None, "", ZERO_HASH):
        return None
    return str(value)


@handles("repo:refs_changed")
def refs_changed(event_key: str, payload: Mapping[str, Any]) -> WebhookEvent:
    changes_in = dig(payload, "changes", event_key=event_key)
    if not isinstance(changes_in, list):
        raise MalformedPayload(f"{event_key}: changes is not a list")
    changes = []
    for change in changes_in:
        if not isinstance(change, Mapping):
            raise MalformedPayload(f"{event_key}: changes[] is not an object")
        ref = text(change, "ref", "id", event_key=event_key, required=False) or text(
            change, "refId", event_key=event_key)
        kind = change.get("type")
        old, new = _hash(change.get("fromHash")), _hash(change.get("toHash"))
        # The type is authoritative when present: ADD has no old commit, DELETE no new one.
        if kind == "ADD":
            old = None
        elif kind == "DELETE":
            new = None
        if old is None and new is None:
            raise MalformedPayload(f"{event_key}: change of {ref} has neither fromHash nor toHash")
        changes.append(RefChange(ref=str(ref), old=old, new=new))
    repository = dig(payload, "repository", event_key=event_key)
    return WebhookEvent(kind=PUSH, event_key=event_key,
                        repository=repository_name(repository, event_key=event_key, where="repository"),
                        changes=tuple(changes))


@handles(*_PR_ACTIONS)
def pull_request(event_key: str, payload: Mapping[str, Any]) -> WebhookEvent:
    pr = dig(payload, "pullRequest", event_key=event_key)
    number = dig(pr, "id", event_key=event_key)
    if not isinstance(number, int) or isinstance(number, bool):
        raise MalformedPayload(f"{event_key}: pullRequest.id is not a number")
    user = dig(pr, "author", "user", event_key=event_key, required=False) or {}
    event = PullRequest(
        id=number,
        action=_PR_ACTIONS[event_key],
        source_ref=text(pr, "fromRef", "id", event_key=event_key) or "",
        source_commit=text(pr, "fromRef", "latestCommit", event_key=event_key, required=False),
        target_ref=text(pr, "toRef", "id", event_key=event_key) or "",
        target_commit=text(pr, "toRef", "latestCommit", event_key=event_key, required=False),
        author=next((str(user[k]) for k in ("slug", "name") if isinstance(user, Mapping) and user.get(k)), None),
        title=str(pr.get("title") or ""),
    )
    target_repo = dig(pr, "toRef", "repository", event_key=event_key)
    return WebhookEvent(kind=PULL_REQUEST, event_key=event_key,
                        repository=repository_name(target_repo, event_key=event_key,
                                                   where="pullRequest.toRef.repository"),
                        pull_request=event)


EVENT_HANDLER_MAP = build_handler_map(refs_changed, pull_request)
HANDLED_EVENTS = frozenset(EVENT_HANDLER_MAP)


def parse(event_key: str, body: bytes) -> WebhookEvent:
    """One delivery -> one event. MalformedPayload when the body is not Bitbucket Server's."""
    payload = decode_payload(body)
    named = payload.get("eventKey")
    if named is not None and named != event_key:
        raise MalformedPayload(f"X-Event-Key is {event_key!r} but the body is a {named!r} event")
    return dispatch(EVENT_HANDLER_MAP, PING_EVENTS, event_key, payload)
