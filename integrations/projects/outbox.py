"""Handing deliveries to Celery without ever making a webhook sender wait on the broker.

The delivery row is the outbox: it is committed before the provider gets its answer, with
`enqueued_at` set when the message was (about to be) published. A publish that fails (Redis down)
clears `enqueued_at`, and the relay (`deliveries_relay`, on beat) publishes every such row once the
broker answers again. Rows whose message was lost anyway (a crash between commit and publish, a Redis
restart without persistence) are published again after WEBHOOK_REQUEUE_AFTER_SECONDS; the
processing claim makes a duplicate message harmless.

Publishing uses `retry=False` (no publish-retry loop in a web request) and a short broker connect
timeout; after a failure a small per-process breaker skips the broker for a few seconds, so a dead
broker costs at most one failed connect per process per breaker period.
"""

from __future__ import annotations

import logging
import threading
import time

from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 2.0
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, ConnectionError, OSError, TimeoutError)
try:  # redis-py's errors do not all derive from the builtin ones
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    BROKER_ERRORS += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is in the lock file
    pass

_lock = threading.Lock()
_open_until = 0.0


def broker_available() -> bool:
    """False while the breaker is open (a publish failed less than BREAKER_SECONDS ago)."""
    return time.monotonic() >= _open_until


def _trip() -> None:
    global _open_until
    with _lock:
        _open_until = time.monotonic() + BREAKER_SECONDS


def reset_breaker() -> None:
    global _open_until
    with _lock:
        _open_until = 0.0


def enqueue_delivery(delivery_pk: int) -> bool:
    """Publish the processing task for one delivery; False when the broker cannot take it now."""
    from integrations.projects.tasks import delivery_process_task

    if not broker_available():
        return False
    try:
        delivery_process_task.apply_async((delivery_pk,), retry=False)
    except BROKER_ERRORS as exc:
        _trip()
        logger.warning("Broker unavailable, delivery %s waits for the relay: %s", delivery_pk, type(exc).__name__)
        return False
    return True
