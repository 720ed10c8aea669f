"""The portal's Celery app, with the benchmark's query counter and stats on shutdown (verify_sweep)."""

from __future__ import annotations

from celery.signals import worker_shutdown

from benchmarks import _query_count
from portal.celery import app

_query_count.install()


@worker_shutdown.connect
def _report(**kwargs) -> None:
    _query_count.write_stats()


__all__ = ["app"]
