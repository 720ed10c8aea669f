"""Connection health with a real Celery worker on Redis and the emulator over HTTP: retries that wait, the
per-host cap across concurrent tasks, and a worker killed in the middle of a verify."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connection as db_connection
from django.utils import timezone

from integrations import tasks
from integrations.models import Connection
from integrations.models.connection import Status
from portal.celery import app
from tests.integrations import health_fixtures
from tests.integrations.health_fixtures import cloud_connection, many_connections

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

cloud = health_fixtures.cloud
USER_PATH = r"^/2\.0/user$"
ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def run_worker(**options):
    app.conf.task_always_eager = False
    return start_worker(app, perform_ping_check=False, shutdown_timeout=30, **options)


@pytest.fixture(autouse=True)
def _eager_again():
    yield
    app.conf.task_always_eager = True


def test_a_429_is_retried_after_its_retry_after_and_the_status_stands(world, emulator, cloud):
    connection = cloud_connection(emulator, cloud, world.a.member)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "rate_limit", "retry_after": 2, "times": 1})

    with run_worker(pool="solo"):
        tasks.connection_verify_task.delay(connection.pk)
        assert wait_until(lambda: Connection.objects.get(pk=connection.pk).last_verified_at is not None)

    first, second = emulator.requests(USER_PATH)
    waited = (datetime.fromisoformat(second["at"]) - datetime.fromisoformat(first["at"])).total_seconds()
    assert waited >= 2.0
    row = Connection.objects.get(pk=connection.pk)
    assert row.status == Status.ACTIVE and row.status_changed_at is None and row.last_error == ""
    assert row.verify_queued_at is None


def test_a_5xx_storm_is_unreachable_only_after_the_retries_and_never_revoked(world, emulator, cloud, settings,
                                                                           mailoutbox):
    settings.CONNECTION_RETRY_BASE_SECONDS = 0.05
    connection = cloud_connection(emulator, cloud, world.a.member)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "status", "status": 503})
    seen: list[tuple[str, int]] = []

    def unreachable() -> bool:
        status = Connection.objects.get(pk=connection.pk).status
        seen.append((status, len(emulator.requests(USER_PATH))))
        return status == Status.UNREACHABLE

    with run_worker(pool="solo"):
        tasks.connection_verify_task.delay(connection.pk)
        assert wait_until(unreachable)

    attempts = 1 + tasks.MAX_RETRIES
    assert len(emulator.requests(USER_PATH)) == attempts
    assert {status for status, _ in seen} <= {Status.ACTIVE, Status.UNREACHABLE}
    assert all(calls == attempts for status, calls in seen if status == Status.UNREACHABLE)
    row = Connection.objects.get(pk=connection.pk)
    assert "503" in row.last_error and row.broken_notified_at is None and mailoutbox == []


def test_the_cap_holds_under_50_concurrent_tasks_to_one_host(world, emulator, cloud, settings):
    settings.SCM_HOST_CONCURRENCY = 4
    made = many_connections(emulator, cloud, world.a.org, 50)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "latency", "delay_ms": 150})
    emulator.control("DELETE", "/requests")

    with run_worker(pool="threads", concurrency=50):
        for connection in made:
            tasks.connection_verify_task.delay(connection.pk)
        assert wait_until(lambda: Connection.objects.filter(last_verified_at__isnull=False).count() == 50, 120)
    db_connection.close()

    log = emulator.requests(USER_PATH)
    assert len(log) == 50  # each verified once
    peak = emulator.control("GET", "/concurrency")["peak"]
    assert max(entry["in_flight"] for entry in log) == peak
    assert 2 <= peak <= 4, peak  # concurrent, and never more than the cap


def claim(connections) -> None:
    """What the sweep does before it queues a batch."""
    Connection.objects.filter(pk__in=[c.pk for c in connections]).update(verify_queued_at=timezone.now())


def test_a_429_in_a_sweep_batch_retries_that_connection_after_retry_after_and_the_rest_follow(world, emulator,
                                                                                               cloud):
    made = many_connections(emulator, cloud, world.a.org, 3)
    claim(made)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "rate_limit", "retry_after": 2, "times": 1})

    with run_worker(pool="solo"):
        tasks.connections_verify_batch_task.delay([c.pk for c in made])
        assert wait_until(lambda: Connection.objects.filter(last_verified_at__isnull=False).count() == 3)

    first, *rest = emulator.requests(USER_PATH)
    assert len(rest) == 3  # the 429, then each connection once
    # The 429 paused the host for every connection: none was asked again before its Retry-After.
    assert all((datetime.fromisoformat(r["at"]) - datetime.fromisoformat(first["at"])).total_seconds() >= 2.0
               for r in rest)
    rows = Connection.objects.filter(pk__in=[c.pk for c in made])
    assert {(r.status, r.status_changed_at, r.last_error, r.verify_queued_at) for r in rows} == {
        (Status.ACTIVE, None, "", None)}


def worker_process(emulator) -> subprocess.Popen:
    """A prefork worker of its own (one child), so a test can kill the child in the middle of a task."""
    database = db_connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "PORTAL_TEST_QUEUE": django_settings.CELERY_TASK_DEFAULT_QUEUE,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "BITBUCKET_CLOUD_API_URL": emulator.cloud_api_url,
        "BITBUCKET_CLOUD_WEB_URL": emulator.cloud_web_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", "--concurrency=1",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_children(worker: subprocess.Popen) -> None:
    children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
    assert children
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)


def stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_a_worker_killed_mid_task_runs_the_task_again_and_it_completes(world, emulator, cloud):
    connection = cloud_connection(emulator, cloud, world.a.member)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "latency", "delay_ms": 30000, "times": 1})
    worker = worker_process(emulator)
    try:
        app.conf.task_always_eager = False
        tasks.connection_verify_task.delay(connection.pk)
        # The verify is in the provider call (the emulator holds it 30 s): kill the process running it.
        assert wait_until(lambda: len(emulator.requests(USER_PATH)) == 1, 60)
        kill_children(worker)

        # acks_late + reject_on_worker_lost: the message goes back to the queue and a new child runs it.
        assert wait_until(lambda: Connection.objects.get(pk=connection.pk).last_verified_at is not None, 60)
    finally:
        stop(worker)
    assert len(emulator.requests(USER_PATH)) == 2
    assert Connection.objects.get(pk=connection.pk).status == Status.ACTIVE


def test_a_sweep_batch_killed_midway_runs_again_and_verifies_only_what_was_left(world, emulator, cloud):
    done, stuck, waiting = many_connections(emulator, cloud, world.a.org, 3)
    claim([stuck, waiting])  # `done` was verified by the first delivery: its claim is released
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "latency", "delay_ms": 30000, "times": 1})
    worker = worker_process(emulator)
    try:
        app.conf.task_always_eager = False
        tasks.connections_verify_batch_task.delay([done.pk, stuck.pk, waiting.pk])
        assert wait_until(lambda: len(emulator.requests(USER_PATH)) == 1, 60)  # `stuck`, held 30 s
        kill_children(worker)

        assert wait_until(lambda: Connection.objects.filter(last_verified_at__isnull=False).count() == 2, 60)
    finally:
        stop(worker)
    assert len(emulator.requests(USER_PATH)) == 3  # `stuck` twice (killed, then again), `waiting` once
    assert Connection.objects.get(pk=done.pk).last_verified_at is None  # not verified a second time
    rows = Connection.objects.filter(pk__in=[stuck.pk, waiting.pk])
    assert {(r.status, r.verify_queued_at) for r in rows} == {(Status.ACTIVE, None)}
