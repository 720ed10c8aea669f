"""The verify sweep: one verify task per connection, claimed in chunks, spread over the interval.

Never every row in memory: the sweep walks the due connections by id, a chunk at a time. Each chunk is
claimed (`verify_queued_at`) under `SELECT ... FOR UPDATE SKIP LOCKED` in its own short transaction, so a
second sweep running at the same moment skips rows the first holds and, once the first commits, sees
them claimed: each connection is queued once (healthchecks' sendalerts claims rows the same way). The
verify task clears the claim when it is done; a claim older than `CLAIM_TTL` belongs to a message that
was lost and is taken again.

Spreading: the i-th task gets a countdown of i x spread / due, so a 15-minute interval with 10,000
connections sends a steady trickle, not 10,000 requests at once (the per-host cap is the hard limit
either way; see integrations/providers/host_limits.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
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
    from integrations.tasks import connection_verify_task

    spread = settings.CONNECTION_VERIFY_SPREAD_SECONDS if spread_seconds is None else spread_seconds
    size = settings.CONNECTION_SWEEP_CHUNK
    with sweep_run(SweepRun.Kind.VERIFY) as run:
        now = timezone.now()
        due = verify_due(now)
        total = due.count()
        step = spread / total if total else 0.0
        after = 0
        while ids := claim_chunk(due, after=after, size=size, now=now):
            after = ids[-1]
            for connection_id in ids:
                connection_verify_task.apply_async((connection_id,), countdown=round(run.queued * step, 3))
                run.queued += 1
        run.skipped = Connection.objects.count() - run.queued
    logger.info("Verify sweep queued %s connections (%s skipped)", run.queued, run.skipped)
    return run
