"""Nothing accepted is lost or processed twice: Redis down, duplicate messages, workers that die mid-task.

These tests start their OWN redis-server on a free port (or point the broker at a closed port); the
shared Redis is never touched. Tasks go through that broker to a real Celery worker thread.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.projects import deliveries, outbox
from integrations.projects.models import DeliveryStatus, WebhookDelivery
from integrations.projects.relay import deliveries_pending_relay, deliveries_relay
from integrations.projects.tasks import delivery_process_task
from integrations.webhooks.signatures import sign_body
from portal.celery import app

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
PAYLOADS = Path(__file__).resolve().parents[1] / "reference" / "bitbucket" / "payloads"
BODY = (PAYLOADS / "api" / "server-repo-refs_changed.json").read_bytes()
SECRET = "durability-secret-0123456789"
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class OwnRedis:
    """A redis-server of this test's own, on its own port, that the test may stop and start."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER, "redis-server is needed (it runs the shared Redis on this machine)"
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(self._answers, 10), "own redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def broker(url: str):
    """Point the Celery app (publishers and the worker) at `url`, then back."""
    previous = app.conf.broker_url
    app.conf.task_always_eager = False
    _use(url)
    outbox.reset_breaker()
    try:
        yield
    finally:
        _use(previous)
        app.conf.task_always_eager = True
        outbox.reset_breaker()


def _use(url: str) -> None:
    # CELERY_BROKER_URL in the environment beats app.conf (settings_test sets it): change both.
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app._pool = None  # the connection pools are cached per app: drop them (Celery does this after a fork)
    app.amqp._producer_pool = None


@contextmanager
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def project(projects_setup):
    project = projects_setup.create("server", "ACME/backend")
    project.webhook_secret = SECRET
    project.save()
    return project


def deliver(project, delivery_id: str):
    return Client().post(reverse("webhook_receiver", args=[project.uuid]), data=BODY,
                         content_type="application/json", HTTP_X_EVENT_KEY="repo:refs_changed",
                         HTTP_X_REQUEST_ID=delivery_id, HTTP_X_HUB_SIGNATURE=sign_body(SECRET, BODY))


def processed_once(ids: list[str]) -> bool:
    rows = list(WebhookDelivery.objects.filter(delivery_id__in=ids).values_list("status", "runs"))
    return len(rows) == len(ids) and all(r == (DeliveryStatus.PROCESSED, 1) for r in rows)


def test_redis_down_deliveries_are_accepted_and_relayed_once_it_is_back(project, own_redis):
    with broker(own_redis.url):
        own_redis.stop()
        ids = [str(uuid.uuid4()) for _ in range(5)]
        started = time.monotonic()
        answers = [deliver(project, delivery_id) for delivery_id in ids]
        elapsed = time.monotonic() - started
        assert [a.status_code for a in answers] == [202] * 5
        assert elapsed < 5, f"five deliveries took {elapsed:.1f}s with the broker down"
        rows = WebhookDelivery.objects.filter(delivery_id__in=ids)
        assert rows.count() == 5  # committed before each answer
        assert set(rows.values_list("status", "enqueued_at")) == {(DeliveryStatus.RECEIVED, None)}
        # The relay cannot publish while Redis is down; it gives up at once and leaves the rows waiting.
        started = time.monotonic()
        assert deliveries_relay() == (0, False)
        assert time.monotonic() - started < 3
        assert set(rows.values_list("status", "enqueued_at")) == {(DeliveryStatus.RECEIVED, None)}

        own_redis.start()  # the broker is back, empty
        outbox.reset_breaker()  # what the breaker does by itself after BREAKER_SECONDS
        with worker():
            assert not wait_until(lambda: processed_once(ids), 1.0)  # nobody asked a worker yet
            assert deliveries_relay() == (5, False)
            assert wait_until(lambda: processed_once(ids))
            # Another relay pass and duplicate messages change nothing.
            assert deliveries_relay() == (0, False)
            for pk in WebhookDelivery.objects.filter(delivery_id__in=ids).values_list("pk", flat=True):
                delivery_process_task.delay(pk)
            marker = str(uuid.uuid4())
            assert deliver(project, marker).status_code == 202
            assert deliveries_relay() == (1, False)
            assert wait_until(lambda: processed_once([*ids, marker]))
    assert processed_once(ids)


def test_a_broker_on_a_closed_port_never_delays_the_answer_nor_the_relay(project):
    with broker(f"redis://127.0.0.1:{free_port()}/0"):
        started = time.monotonic()
        answers = [deliver(project, str(uuid.uuid4())).status_code for _ in range(10)]
        relayed = deliveries_relay()
        elapsed = time.monotonic() - started
    assert answers == [202] * 10 and relayed == (0, False)
    assert elapsed < 5, f"ten deliveries and a relay pass took {elapsed:.1f}s with no broker"
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.RECEIVED, enqueued_at__isnull=True).count() == 10


def test_a_claim_left_by_a_dead_worker_is_picked_up_and_run_once(project, own_redis):
    fresh_id, stale_id = str(uuid.uuid4()), str(uuid.uuid4())
    with broker(f"redis://127.0.0.1:{free_port()}/0"):  # accept both without publishing
        assert deliver(project, fresh_id).status_code == 202
        assert deliver(project, stale_id).status_code == 202
    now = timezone.now()
    # One claim is a worker busy right now; the other was taken by a worker killed ten minutes ago.
    WebhookDelivery.objects.filter(delivery_id=fresh_id).update(status=DeliveryStatus.PROCESSING, claimed_at=now,
                                                                attempts=1)
    WebhookDelivery.objects.filter(delivery_id=stale_id).update(
        status=DeliveryStatus.PROCESSING, claimed_at=now - timedelta(minutes=10), attempts=1)
    fresh_pk = WebhookDelivery.objects.get(delivery_id=fresh_id).pk
    assert deliveries.delivery_process(delivery_pk=fresh_pk) is False  # a duplicate message cannot steal it
    # Not the fresh claim: only the delivery a dead worker left.
    assert deliveries_pending_relay() == [WebhookDelivery.objects.get(delivery_id=stale_id).pk]
    with broker(own_redis.url), worker():
        assert deliveries_relay() == (1, False)
        assert wait_until(lambda: processed_once([stale_id]))
    stale = WebhookDelivery.objects.get(delivery_id=stale_id)
    assert stale.attempts == 2 and stale.runs == 1
    fresh = WebhookDelivery.objects.get(delivery_id=fresh_id)
    assert fresh.status == DeliveryStatus.PROCESSING and fresh.runs == 0


def test_a_published_delivery_whose_message_was_lost_is_sent_again(project, settings):
    settings.WEBHOOK_REQUEUE_AFTER_SECONDS = 60
    delivery_id = str(uuid.uuid4())
    with broker(f"redis://127.0.0.1:{free_port()}/0"):
        assert deliver(project, delivery_id).status_code == 202
    row = WebhookDelivery.objects.get(delivery_id=delivery_id)
    # Published a minute ago, then Redis restarted empty: no worker will ever see that message.
    WebhookDelivery.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - timedelta(seconds=30))
    assert deliveries_pending_relay() == []
    WebhookDelivery.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert deliveries_pending_relay() == [row.pk]
