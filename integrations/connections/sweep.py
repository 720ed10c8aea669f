"""The verify sweep: connections claimed in chunks, queued in small batches, spread over the interval.

Never every row in memory: the sweep walks the due connections by id, a chunk at a time. Each chunk is
claimed (`verify_queued_at`) under `SELECT ... FOR UPDATE SKIP LOCKED` in its own short transaction, so a
second sweep running at the same moment skips rows the first holds and, once the first commits, sees
them claimed: each connection is queued once (healthchecks' sendalerts claims rows the same way). The
verify task clears the claim when it is done; a claim older than `CLAIM_TTL` belongs to a message that
was lost and is taken again.

Each chunk goes out as messages of `CONNECTION_VERIFY_BATCH` connections (tasks.connections_verify_batch_task):
publishing a message and running a task cost more CPU than the verify itself, so one per connection made
the portal, not the provider's cap, the limit of a sweep (benchmarks/verify_sweep.py).

Spreading: a batch starting at the i-th connection gets a countdown of i x spread / due, so a 15-minute
interval with 10,000 connections sends a steady trickle, not 10,000 requests at once (the per-host cap
is the hard limit either way; see integrations/providers/host_limits.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.models import Connection, SweepRun
from integrations.models.connection import Status

logger = logging.getLogger(__name__)

# Longer than a verify with all its retries (15 s doubling six times is ~16 minutes) plus the spread.
CLAIM_TTL = timedelta(hours=1)
# Broken for good until the user reconnects (a reconnect sets the status back to pending).
NOT_SWEPT = (Status.REVOKED, Status.EXPIRED)


def unclaimed(now: datetime) -> Q:
    return Q(verify_queued_at__isnull=True) | Q(verify_queued_at__lt=now - CLAIM_TTL)


def verify_due(now: datetime) -> QuerySet[Connection]:
    """Connections the sweep should verify: not broken for good, not verified recently, not queued."""
    recent = now - timedelta(seconds=settings.CONNECTION_VERIFY_SKIP_SECONDS)
    return (Connection.objects.exclude(status__in=NOT_SWEPT)
            .filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=recent))
            .filter(unclaimed(now)))


def claim_chunk(due: QuerySet[Connection], *, after: int, size: int, now: datetime) -> list[int]:
    """Claim up to `size` due connections with ids above `after`; ids another sweep holds are skipped."""
    with transaction.atomic():
        ids = list(due.filter(pk__gt=after).order_by("pk").select_for_update(skip_locked=True)
                   .values_list("pk", flat=True)[:size])
        if ids:
            Connection.objects.filter(pk__in=ids).update(verify_queued_at=now)
    return ids


def claim_one(connection_id: int, *, now: datetime) -> bool:
    """Claim a single connection (the pending sweep); False if another sweep already queued it."""
    return bool(Connection.objects.filter(unclaimed(now), pk=connection_id).update(verify_queued_at=now))


def still_claimed(connection_ids: list[int]) -> list[int]:
    """Those of `connection_ids` whose verify has not finished (a verify releases its claim), in order."""
    ids = [int(i) for i in connection_ids]
    claimed = set(Connection.objects.filter(pk__in=ids, verify_queued_at__isnull=False).values_list("pk", flat=True))
    return [i for i in ids if i in claimed]


def release(connection_id: int) -> None:
    """The verify is done (or given up): the sweep may queue the connection again once it is due."""
    Connection.objects.filter(pk=connection_id).update(verify_queued_at=None)


@contextmanager
def sweep_run(kind: str) -> Iterator[SweepRun]:
    """Record a sweep for the health page: start, end, how many queued, and an error if it failed."""
    run = SweepRun.objects.create(kind=kind)
    try:
        yield run
    except Exception as exc:
        run.errors += 1
        run.error = f"{type(exc).__name__}: {exc}"[:1000]
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()


def verify_sweep(*, spread_seconds: float | None = None) -> SweepRun:
    from integrations.tasks import connections_verify_batch_task
    from portal.celery import app

    spread = settings.CONNECTION_VERIFY_SPREAD_SECONDS if spread_seconds is None else spread_seconds
    size = settings.CONNECTION_SWEEP_CHUNK
    batch = max(1, settings.CONNECTION_VERIFY_BATCH)
    with sweep_run(SweepRun.Kind.VERIFY) as run:
        now = timezone.now()
        due = verify_due(now)
        total = due.count()
        step = spread / total if total else 0.0
        after = 0
        # One producer (one broker connection) for the whole sweep, not one acquired per message; eager
        # mode (tests, a dev box without a broker) has no broker to connect to.
        eager = app.conf.task_always_eager
        with nullcontext() if eager else app.producer_or_acquire() as producer:
            while ids := claim_chunk(due, after=after, size=size, now=now):
                after = ids[-1]
                for start in range(0, len(ids), batch):
                    connections_verify_batch_task.apply_async(
                        (ids[start:start + batch],), countdown=round(run.queued * step, 3), producer=producer)
                    run.queued += len(ids[start:start + batch])
        run.skipped = Connection.objects.count() - run.queued
    logger.info("Verify sweep queued %s connections (%s skipped)", run.queued, run.skipped)
    return run
