"""Celery tasks for connections. Thin: load ids, call a service, own the retry policy.

Every task is idempotent: verifying twice records the same thing, and a refresh of a token that a
racing worker already refreshed returns without another upstream call (connection_refresh).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.connections import health, services, sweep
from integrations.models import Connection, SweepRun
from integrations.models.connection import Method, Status

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
# Refresh tokens this far ahead of expiry; the sweep runs well inside this window.
SWEEP_AHEAD = timedelta(minutes=20)


def _countdown(exc: services.ConnectionTransientError, retries: int) -> float:
    # 429 Retry-After wins; otherwise exponential backoff (15 s, 30 s, 60 s, ...), capped at 10 minutes.
    if exc.retry_after is not None:
        return exc.retry_after
    return min(600, settings.CONNECTION_RETRY_BASE_SECONDS * 2 ** retries)


def _retry(task, exc: services.ConnectionTransientError, connection_id: int | None = None):
    """Retry with backoff; once the retries are spent, show the connection as rate limited / unreachable."""
    if task.request.retries >= MAX_RETRIES and connection_id is not None:
        status = Status.RATE_LIMITED if exc.retry_after is not None else Status.UNREACHABLE
        health.connection_mark_transient(connection_id=connection_id, status=status, message=str(exc))
        return
    raise task.retry(exc=exc, countdown=_countdown(exc, task.request.retries), max_retries=MAX_RETRIES)


def _verify(connection_id: int) -> services.ConnectionTransientError | None:
    """Verify one connection and end the sweep's claim on it; or the transient error to retry on (the claim
    stays). Sweeps keep the git author address on record (one request per connection, see connection_verify)."""
    connection = None
    try:
        connection = services.connection_verify(connection_id=connection_id, author_email=False)
    except Connection.DoesNotExist:
        logger.info("Connection %s is gone; nothing to verify", connection_id)
        return None
    except services.ConnectionBroken:
        pass  # recorded on the row; retrying cannot help
    except services.ConnectionTransientError as exc:
        return exc
    if connection is None or connection.verify_queued_at is not None:
        sweep.release(connection_id)  # a healthy verify released it with its own write
    return None


@shared_task(bind=True, ignore_result=True, acks_late=True)
def connection_verify_task(self, connection_id: int) -> None:
    exc = _verify(connection_id)
    if exc is not None:
        _retry(self, exc, connection_id)  # raises Retry while retries remain; the claim stays
        sweep.release(connection_id)  # given up: the sweep may queue it again once it is due


@shared_task(bind=True, ignore_result=True, acks_late=True)
def connections_verify_batch_task(self, connection_ids: list[int]) -> None:
    """The verify sweep's message: a few claimed connections, verified one after another.

    Redelivered after a worker died mid-batch (acks_late), it verifies only those still claimed: each
    verify releases its claim as it finishes, so none is verified twice. A connection whose verify must
    wait (429, 5xx) gets a task of its own with the usual retries, and the batch goes on.
    """
    for connection_id in sweep.still_claimed(connection_ids):
        exc = _verify(connection_id)
        if exc is not None:
            connection_verify_task.apply_async((connection_id,), countdown=_countdown(exc, 0), retries=1)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def connection_refresh_task(self, connection_id: int, force: bool = False, ahead_seconds: float | None = None) -> None:
    # `ahead_seconds`: the refresh sweep's look-ahead. Without it the refresh would use its own shorter
    # margin and skip what the sweep queued, leaving the renewal to the last minutes before expiry.
    within = timedelta(seconds=float(ahead_seconds)) if ahead_seconds else services.REFRESH_MARGIN
    try:
        services.connection_refresh(connection_id=connection_id, force=force, within=within)
    except Connection.DoesNotExist:
        logger.info("Connection %s is gone; nothing to refresh", connection_id)
    except services.ConnectionBroken:
        pass
    except services.ConnectionTransientError as exc:
        _retry(self, exc)


@shared_task(ignore_result=True)
def connections_refresh_due() -> int:
    """Beat: queue a refresh for every OAuth connection that expires soon and can be refreshed."""
    due = (Connection.objects.filter(method=Method.OAUTH, expires_at__lte=timezone.now() + SWEEP_AHEAD)
           .exclude(refresh_token_encrypted="").exclude(status__in=[Status.REVOKED, Status.EXPIRED])
           .values_list("pk", flat=True))
    with sweep.sweep_run(SweepRun.Kind.REFRESH) as run:
        for connection_id in due.iterator(chunk_size=settings.CONNECTION_SWEEP_CHUNK):
            connection_refresh_task.delay(connection_id, ahead_seconds=SWEEP_AHEAD.total_seconds())
            run.queued += 1
    return run.queued


# A verify queued while the broker was down was lost; the row still says "pending".
PENDING_GRACE = timedelta(minutes=2)


@shared_task(ignore_result=True)
def connections_verify_pending() -> int:
    """Beat: verify connections still pending after the grace period (their first verify never ran)."""
    now = timezone.now()
    stale = Connection.objects.filter(status=Status.PENDING, updated_at__lte=now - PENDING_GRACE)
    with sweep.sweep_run(SweepRun.Kind.PENDING) as run:
        for connection_id in stale.values_list("pk", flat=True).iterator(chunk_size=settings.CONNECTION_SWEEP_CHUNK):
            # Claimed like the verify sweep's, so the two sweeps never queue the same connection twice.
            if sweep.claim_one(connection_id, now=now):
                connection_verify_task.delay(connection_id)
                run.queued += 1
            else:
                run.skipped += 1
    return run.queued


@shared_task(ignore_result=True)
def connections_verify_sweep() -> int:
    """Beat (every 15 minutes by default): verify every connection, in chunks, spread over the interval."""
    return sweep.verify_sweep().queued
