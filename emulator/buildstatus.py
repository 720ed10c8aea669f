"""Commit build statuses, shared by both flavours: validation of what a CI system posts, and the store.

Each flavour has its own wire shape (`cloud/statuses.py`, `server/statuses.py`); the record kept here is
neutral: key, state, name, url, description, ref, created and updated times. A post with a key the
commit already has replaces that key's current status, as on Bitbucket, and is also appended to the
commit's history, which the control API returns (`GET /_emulator/<flavour>/statuses`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emulator.clock import now
from emulator.gitdata import GitData

MAX_FIELD = 255
MAX_URL = 450


class StatusInvalid(ValueError):
    """The body is not a build status; the message names the field."""


def parse(body: Any, *, states: tuple[str, ...], ref_field: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise StatusInvalid("The body must be a JSON object.")
    record: dict[str, Any] = {}
    for name in ("key", "state", "url"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise StatusInvalid(f"{name} is required.")
    if body["state"] not in states:
        raise StatusInvalid(f"state must be one of {', '.join(states)}.")
    if len(body["url"]) > MAX_URL:
        raise StatusInvalid(f"url is longer than {MAX_URL} characters.")
    for name in ("key", "name", "description", ref_field):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
            raise StatusInvalid(f"{name} must be a string of at most {MAX_FIELD} characters.")
    record.update(key=body["key"], state=body["state"], url=body["url"], name=body.get("name") or body["key"],
                  description=body.get("description") or "", ref=body.get(ref_field) or None)
    return record


def store(git: GitData, commit_hash: str, record: dict[str, Any]) -> dict[str, Any]:
    """Append to the commit's history; keep the first post's creation time for the key."""
    history = git.build_statuses.setdefault(commit_hash, [])
    moment = now()
    previous = current(git, commit_hash).get(record["key"])
    created: datetime = previous["created"] if previous else moment
    saved = {**record, "created": created, "updated": moment}
    history.append(saved)
    return saved


def current(git: GitData, commit_hash: str) -> dict[str, dict[str, Any]]:
    """The latest status per key, in the order the keys first appeared."""
    latest: dict[str, dict[str, Any]] = {}
    for record in git.build_statuses.get(commit_hash, []):
        latest[record["key"]] = record
    return latest


def history_summary(git: GitData, commit_hash: str) -> list[dict[str, Any]]:
    return [{**record, "created": record["created"].isoformat(), "updated": record["updated"].isoformat()}
            for record in git.build_statuses.get(commit_hash, [])]
