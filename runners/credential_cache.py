"""Runner credentials resolved from memory: an agent's long poll, heartbeat and answer cost no query to
authenticate.

Trusted only while this process hears the runner channel (runners.wakeup): every save or delete of a
Runner is announced there and drops its entry in every process, and losing the channel empties the
cache. Entries also expire after RUNNER_CREDENTIAL_CACHE_SECONDS (an hour), a bound on a change made
behind the ORM's back (a queryset `update()` sends no signal). The expiry is spread over its last
quarter: a fleet that connected together would otherwise come back to the database together.
"""

from __future__ import annotations

import copy
import random
import threading
import time

from django.conf import settings

from runners import wakeup

_lock = threading.Lock()
_entries: dict[str, tuple[object, float]] = {}
# Bumped by every drop: a row read before a drop must not be cached after it.
_generation = 0


def generation() -> int:
    return _generation


def get(credential_hash: str):
    """A private copy of the cached Runner (callers set attributes on it), or None."""
    if not wakeup.hub.listening:
        return None
    with _lock:
        entry = _entries.get(credential_hash)
    if entry is None or entry[1] <= time.monotonic():
        return None
    return copy.copy(entry[0])


def put(credential_hash: str, runner, *, read_at_generation: int) -> None:
    ttl = settings.RUNNER_CREDENTIAL_CACHE_SECONDS
    if ttl <= 0 or not wakeup.hub.listening:
        return
    with _lock:
        if read_at_generation != _generation:
            return
        if len(_entries) > 50_000:
            _entries.clear()
        _entries[credential_hash] = (copy.copy(runner), time.monotonic() + ttl * random.uniform(0.75, 1.0))


def note_fields(runner_id: int, fields: dict) -> None:
    """Keep the cached row in step with what this process just wrote (`runner_seen`'s agent version...)."""
    with _lock:
        for runner, _ in _entries.values():
            if runner.pk == runner_id:
                for name, value in fields.items():
                    setattr(runner, name, value)


def _on_notification(kind: str, ident: int) -> None:
    global _generation
    if kind == "listening":
        clear()
    elif kind == wakeup.RUNNER:
        with _lock:
            _generation += 1
            for key in [k for k, (runner, _) in _entries.items() if runner.pk == ident]:
                del _entries[key]


def clear() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


wakeup.hub.on_notification(_on_notification)
