"""End to end, all real: a project is created, a Celery worker (through Redis) installs its hook on the
emulator, a push made on the emulator is delivered over HTTP to the live portal's receiver, verified,
logged, and processed exactly once by the worker."""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker

from integrations.projects.models import DeliveryStatus, Project, WebhookDelivery, WebhookState
from integrations.projects.relay import run_relay_loop
from portal.celery import app

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """A Celery worker through Redis, and the outbox relay loop (`manage.py webhooks_relay`) beside it."""
    app.conf.task_always_eager = False
    stop = threading.Event()
    relay = threading.Thread(target=run_relay_loop, args=(stop,), kwargs={"idle": 0.05}, daemon=True)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            relay.start()
            yield
            stop.set()
            relay.join(timeout=10)
    finally:
        stop.set()
        app.conf.task_always_eager = True


def wait_until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def active(project: Project) -> bool:
    return Project.objects.get(pk=project.pk).webhook_state == WebhookState.ACTIVE


@pytest.mark.parametrize(("flavour", "repository", "event"), [
    ("cloud", "acme/webapp", "repo:push"),
    ("server", "ACME/backend", "repo:refs_changed"),
])
def test_a_push_on_the_emulator_is_delivered_verified_logged_and_processed_once(
        projects_setup, live_server, settings, worker, flavour, repository, event):
    settings.PORTAL_BASE_URL = live_server.url
    project = projects_setup.create(flavour, repository)
    assert wait_until(lambda: active(project)), Project.objects.get(pk=project.pk).webhook_error
    [hook] = projects_setup.hooks(flavour, repository)
    assert hook["url"] == project.receiver_url

    pushed = projects_setup.emulator.control("POST", f"/{flavour}/events", json={
        "event": event, "repository": repository, "branch": "release", "message": "Ship it\n"})

    [delivery_report] = pushed["deliveries"]
    assert delivery_report["signed"] and delivery_report["attempts"][-1]["status"] == 202
    assert len(delivery_report["attempts"]) == 1  # answered at once: the provider never retried
    commit = pushed["created"]["commit"]
    assert wait_until(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.PROCESSED).exists())
    delivery = WebhookDelivery.objects.get(project=project)
    assert delivery.delivery_id == delivery_report["delivery_id"] and delivery.signature_ok
    assert delivery.event_key == event and delivery.runs == 1 and delivery.attempts == 1
    assert delivery.event["changes"] == [{"ref": "refs/heads/release", "old": None, "new": commit,
                                          "created": True, "deleted": False}]
    project.refresh_from_db()
    assert project.last_push_ref == "refs/heads/release" and project.last_push_commit == commit


def test_a_server_pull_request_and_a_ping_reach_the_log(projects_setup, live_server, settings, worker):
    settings.PORTAL_BASE_URL = live_server.url
    project = projects_setup.create("server", "ACME/frontend")
    assert wait_until(lambda: active(project))
    emulator = projects_setup.emulator
    opened = emulator.control("POST", "/server/events", json={"event": "pr:opened", "repository": "ACME/frontend",
                                                              "source": "feature/x"})
    ping = emulator.control("POST", "/server/events", json={"event": "diagnostics:ping",
                                                            "repository": "ACME/frontend"})
    assert opened["deliveries"][0]["attempts"][-1]["status"] == 202
    assert ping["deliveries"][0]["attempts"][-1]["status"] == 200
    assert wait_until(lambda: WebhookDelivery.objects.filter(kind="pull_request",
                                                             status=DeliveryStatus.PROCESSED).exists())
    pull = WebhookDelivery.objects.get(kind="pull_request")
    assert pull.event["pull_request"]["action"] == "opened"
    assert pull.event["pull_request"]["source_ref"] == "refs/heads/feature/x"
    assert WebhookDelivery.objects.get(kind="ping").result == "Ping received"
