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


def _retry(task, exc: services.ConnectionTransientError, connection_id: int | None = None):
    """Retry with backoff; once the retries are spent, show the connection as rate limited / unreachable."""
    if task.request.retries >= MAX_RETRIES and connection_id is not None:
        status = Status.RATE_LIMITED if exc.retry_after is not None else Status.UNREACHABLE
        health.connection_mark_transient(connection_id=connection_id, status=status, message=str(exc))
        return
    # 429 Retry-After wins; otherwise exponential backoff (15 s, 30 s, 60 s, ...), capped at 10 minutes.
    base = settings.CONNECTION_RETRY_BASE_SECONDS
    countdown = exc.retry_after if exc.retry_after is not None else min(600, base * 2 ** task.request.retries)
    raise task.retry(exc=exc, countdown=countdown, max_retries=MAX_RETRIES)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def connection_verify_task(self, connection_id: int) -> None:
    try:
        services.connection_verify(connection_id=connection_id)
    except Connection.DoesNotExist:
        logger.info("Connection %s is gone; nothing to verify", connection_id)
        return
    except services.ConnectionBroken:
        pass  # recorded on the row; retrying cannot help
    except services.ConnectionTransientError as exc:
        _retry(self, exc, connection_id)  # raises Retry while retries remain; the claim stays
    # Done (or given up): the sweep may queue it again once it is due.
    Connection.objects.filter(pk=connection_id).update(verify_queued_at=None)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def connection_refresh_task(self, connection_id: int, force: bool = False) -> None:
    try:
        services.connection_refresh(connection_id=connection_id, force=force)
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
            connection_refresh_task.delay(connection_id)
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
