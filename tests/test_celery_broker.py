"""Tasks travel through a real Redis broker to a real Celery worker (not eager mode)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from portal.celery import app
from runners.models import RunnerJob
from runners.tasks import purge_runner_jobs
from tests.runners.conftest import register_runner

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """A worker thread consuming from the test broker (settings_test: Redis db 15)."""
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_task_sent_through_redis_is_run_by_the_worker(world, worker):
    runner = register_runner(world.a.org, world.a.admin).runner
    now = timezone.now()
    abandoned = RunnerJob.objects.create(runner=runner, kind="ping", payload_encrypted="x",
                                         state=RunnerJob.State.PENDING, expires_at=now - timedelta(minutes=1))
    old = RunnerJob.objects.create(runner=runner, kind="ping", state=RunnerJob.State.DONE,
                                   expires_at=now - timedelta(days=8))
    RunnerJob.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=8))
    fresh = RunnerJob.objects.create(runner=runner, kind="ping", state=RunnerJob.State.DONE,
                                     expires_at=now + timedelta(minutes=1))

    purge_runner_jobs.delay()

    assert wait_until(lambda: not RunnerJob.objects.filter(pk=old.pk).exists())
    abandoned.refresh_from_db()
    assert abandoned.state == RunnerJob.State.EXPIRED and abandoned.payload_encrypted == ""
    assert RunnerJob.objects.filter(pk=fresh.pk).exists()
