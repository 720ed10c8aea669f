"""Bitbucket Cloud webhook deliveries -> normalized events.

The event key is the `X-Event-Key` header, never guessed from the payload. The events the portal
acts on are declared by their handlers; every other key is acknowledged and ignored.
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

PROVIDER = "bitbucket-cloud"
# What a project's hook subscribes to (the list); each has a handler below.
SUBSCRIBED_EVENTS = ("repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled")
# Cloud has no ping event; its "Test connection" does not exist.
PING_EVENTS: frozenset[str] = frozenset()

_PR_ACTIONS = {
    "pullrequest:created": "opened",
    "pullrequest:updated": "updated",
    "pullrequest:fulfilled": "merged",
    "pullrequest:rejected": "declined",
}
# Mercurial-era names still appear in old payloads; bookmarks have no ref namespace in git.
_REF_PREFIX = {"branch": "refs/heads/", "named_branch": "refs/heads/", "tag": "refs/tags/",
               "annotated_tag": "refs/tags/"}


def _repository(event_key: str, payload: Mapping[str, Any]) -> str:
    return text(payload, "repository", "full_name", event_key=event_key) or ""


def _ref_state(event_key: str, state: Any, which: str) -> tuple[str, str] | None:
    """(ref, commit) of a change's `old` or `new` side; None when that side is null."""
    if state is None:
        return None
    if not isinstance(state, Mapping):
        raise MalformedPayload(f"{event_key}: push.changes[].{which} is not an object")
    kind = state.get("type")
    name = state.get("name")
    if not isinstance(name, str) or not name:
        raise MalformedPayload(f"{event_key}: push.changes[].{which}.name is missing")
    prefix = _REF_PREFIX.get(kind) if isinstance(kind, str) else None
    if prefix is None:
        raise MalformedPayload(f"{event_key}: push.changes[].{which}.type {kind!r} is not a branch or tag")
    commit = text(state, "target", "hash", event_key=event_key)
    return prefix + name, commit or ""


@handles("repo:push")
def push(event_key: str, payload: Mapping[str, Any]) -> WebhookEvent:
    changes_in = dig(payload, "push", "changes", event_key=event_key)
    if not isinstance(changes_in, list):
        raise MalformedPayload(f"{event_key}: push.changes is not a list")
    changes = []
    for change in changes_in:
        if not isinstance(change, Mapping):
            raise MalformedPayload(f"{event_key}: push.changes[] is not an object")
        old = _ref_state(event_key, change.get("old"), "old")
        new = _ref_state(event_key, change.get("new"), "new")
        if old is None and new is None:
            raise MalformedPayload(f"{event_key}: a change has neither old nor new")
        ref = (new or old)[0]  # type: ignore[index]
        changes.append(RefChange(ref=ref, old=old[1] if old else None, new=new[1] if new else None))
    return WebhookEvent(kind=PUSH, event_key=event_key, repository=_repository(event_key, payload),
                        changes=tuple(changes))


@handles(*_PR_ACTIONS)
def pull_request(event_key: str, payload: Mapping[str, Any]) -> WebhookEvent:
    pr = dig(payload, "pullrequest", event_key=event_key)
    number = dig(pr, "id", event_key=event_key)
    if not isinstance(number, int) or isinstance(number, bool):
        raise MalformedPayload(f"{event_key}: pullrequest.id is not a number")
    author = pr.get("author") if isinstance(pr.get("author"), Mapping) else {}
    event = PullRequest(
        id=number,
        action=_PR_ACTIONS[event_key],
        source_ref="refs/heads/" + (text(pr, "source", "branch", "name", event_key=event_key) or ""),
        source_commit=text(pr, "source", "commit", "hash", event_key=event_key, required=False),
        target_ref="refs/heads/" + (text(pr, "destination", "branch", "name", event_key=event_key) or ""),
        target_commit=text(pr, "destination", "commit", "hash", event_key=event_key, required=False),
        # Post-GDPR payloads have no username: nickname, then display name.
        author=next((str(author[k]) for k in ("username", "nickname", "display_name") if author.get(k)), None),
        title=str(pr.get("title") or ""),
    )
    return WebhookEvent(kind=PULL_REQUEST, event_key=event_key, repository=_repository(event_key, payload),
                        pull_request=event)


EVENT_HANDLER_MAP = build_handler_map(push, pull_request)
HANDLED_EVENTS = frozenset(EVENT_HANDLER_MAP)


def parse(event_key: str, body: bytes) -> WebhookEvent:
    """One delivery -> one event. MalformedPayload when the body is not Bitbucket Cloud's."""
    return dispatch(EVENT_HANDLER_MAP, PING_EVENTS, event_key, decode_payload(body))
