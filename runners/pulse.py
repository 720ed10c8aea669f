"""Last-seen writes, batched: a thousand long-polling agents cost one UPDATE every few seconds per process,
not one row write per poll.

A runner this process wrote recently joins the next bulk update (at most RUNNER_SEEN_FLUSH_SECONDS
later); one it has not written lately (a new agent, a restart, another process's agent) is written
at once, so "offline" turns "online" on the first call. The runner channel's thread also flushes
(runners.wakeup), so the last pulse of an agent that went away is not lost either.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.utils import timezone

_lock = threading.Lock()
_pending: set[int] = set()
_written: dict[int, float] = {}
_last_flush = time.monotonic()


def _fresh_for() -> float:
    """How old this process's last write of a runner may be for its next pulse to wait for the batch.

    Half the online window (30 s): a buffered pulse lands within a flush interval, so the stored value
    is never older than 30 + 5 s of a 60 s window and a live runner never looks offline. It must also
    exceed the long poll (20 s) by a margin: at a third of the window (20 s) an agent doing nothing but
    re-poll after each 204 arrived just past it every time and wrote its own row on every poll
    (4 queries/s at 1,000 agents in the benchmark).
    """
    window = settings.RUNNER_OFFLINE_AFTER_SECONDS
    return max(0.0, min(window / 2, window - 2 * settings.RUNNER_SEEN_FLUSH_SECONDS))


def written(runner_id: int) -> None:
    with _lock:
        _written[runner_id] = time.monotonic()


def buffered(runner_id: int) -> bool:
    """Join the next batch when this process wrote the runner lately, with no I/O (safe on an event loop);
    False when the pulse must be written now (`seen` does it). The channel's thread flushes the batch."""
    interval = settings.RUNNER_SEEN_FLUSH_SECONDS
    with _lock:
        last = _written.get(runner_id)
        fresh = interval > 0 and last is not None and time.monotonic() - last < _fresh_for()
        if fresh:
            _pending.add(runner_id)
    return fresh


def seen(runner_id: int) -> None:
    is_buffered = buffered(runner_id)
    with _lock:
        due = bool(_pending) and time.monotonic() - _last_flush >= settings.RUNNER_SEEN_FLUSH_SECONDS
    if not is_buffered:
        _write([runner_id])
    if due:
        flush()


def flush() -> int:
    """Write every buffered pulse now; returns how many runners were written."""
    global _last_flush
    with _lock:
        ids, _last_flush = sorted(_pending), time.monotonic()
        _pending.clear()
    if ids:
        _write(ids)
    return len(ids)


def flush_if_due() -> None:
    with _lock:
        due = bool(_pending) and time.monotonic() - _last_flush >= settings.RUNNER_SEEN_FLUSH_SECONDS
    if due:
        flush()


def _write(ids: list[int]) -> None:
    from runners.models import Runner

    Runner.objects.filter(pk__in=ids).update(last_seen_at=timezone.now())
    now = time.monotonic()
    with _lock:
        for runner_id in ids:
            _written[runner_id] = now
        if len(_written) > 100_000:  # deleted runners: forget the oldest half
            for runner_id, _ in sorted(_written.items(), key=lambda item: item[1])[: len(_written) // 2]:
                del _written[runner_id]
