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

from kombu.exceptions import LimitExceeded
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 2.0
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, LimitExceeded, ConnectionError, OSError,
                                                  TimeoutError)
try:  # redis-py's errors do not all derive from the builtin ones
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    BROKER_ERRORS += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is in the lock file
    pass

_lock = threading.Lock()
_open_until = 0.0
# Publishers for the webhook receiver: their own connection pool, one attempt per publish, a short connect
# timeout. Celery's defaults (retry the connection for up to 4 s, redis-py's own retries) suit workers,
# not a web request with a provider waiting on the other end.
CONNECT_TIMEOUT = 1.0
POOL_LIMIT = 32
_pools: dict[str, object] = {}


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


def _pool(app):
    url = app.conf.broker_write_url
    with _lock:
        pool = _pools.get(url)
        if pool is None:
            options = {**(app.conf.broker_transport_options or {}), "max_retries": 0,
                       "socket_connect_timeout": CONNECT_TIMEOUT}
            connection = app.connection_for_write(connect_timeout=CONNECT_TIMEOUT, transport_options=options)
            pool = _pools[url] = connection.Pool(limit=POOL_LIMIT)
    return pool


def publish_once(task, args: tuple) -> None:
    """Publish one task message with a single, bounded attempt; raise a broker error if it fails."""
    app = task.app
    if app.conf.task_always_eager:
        task.apply_async(args)  # the demo: runs in-process, no broker involved
        return
    connection = _pool(app).acquire(block=True, timeout=CONNECT_TIMEOUT)
    try:
        task.apply_async(args, connection=connection, retry=False)
    except BaseException:
        connection.collect()  # a broken transport must not go back to the pool as if healthy
        raise
    finally:
        connection.release()


def enqueue_delivery(delivery_pk: int) -> bool:
    """Publish the processing task for one delivery; False when the broker cannot take it now."""
    from integrations.projects.tasks import delivery_process_task

    if not broker_available():
        return False
    try:
        publish_once(delivery_process_task, (delivery_pk,))
    except BROKER_ERRORS as exc:
        _trip()
        logger.warning("Broker unavailable, delivery %s waits for the relay: %s", delivery_pk, type(exc).__name__)
        return False
    return True
