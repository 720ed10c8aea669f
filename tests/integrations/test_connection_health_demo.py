"""The demo's health path end to end: a real Celery worker and beat as `make demo` runs them (kombu's
filesystem broker, no Redis; the database scheduler; the console email backend), against the emulator.
A token revoked at the provider turns its connection "revoked" within one beat sweep, and its user is
emailed exactly once however many sweeps follow."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection as db_connection

from integrations.models import Connection, SweepRun
from integrations.models.connection import Status
from tests.integrations import health_fixtures
from tests.integrations.health_fixtures import cloud_connection

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

cloud = health_fixtures.cloud
ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "Subject: Your Bitbucket Cloud connection needs attention"


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def demo_env(emulator, broker: Path) -> dict[str, str]:
    """scripts/demo.py's environment for its worker and beat, on this test's database and emulator."""
    database = db_connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "CACHE_", "EMAIL_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_ENV": "development",
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PORTAL_ENCRYPTION_KEYS": ",".join(django_settings.PORTAL_ENCRYPTION_KEYS),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_FOLDER": str(broker),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "BITBUCKET_CLOUD_API_URL": emulator.cloud_api_url,
        "BITBUCKET_CLOUD_WEB_URL": emulator.cloud_web_url,
        "SCM_ALLOW_HTTP_HOSTS": "true",
        "SCM_ALLOW_PRIVATE_HOSTS": "true",
        "CONNECTION_VERIFY_SPREAD_SECONDS": "0",
        "CONNECTION_VERIFY_SKIP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def test_the_demo_worker_and_beat_turn_a_revoked_token_revoked_and_email_once(world, emulator, cloud, tmp_path):
    connection = cloud_connection(emulator, cloud, world.a.member)
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": connection.access_token})
    # The schedules as the migration makes them, the verify sweep every 2 s (the demo's beat_interval), and
    # nothing else on beat, so the worker's log is about this.
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    import_module("integrations.migrations.0005_beat_schedules").create_schedules(apps, None)
    call_command("beat_interval", "connections-verify-sweep", "2")
    PeriodicTask.objects.exclude(name="connections-verify-sweep").update(enabled=False)

    env = demo_env(emulator, tmp_path / "broker")
    log = tmp_path / "worker.log"
    processes = [
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=threads",
                          "--concurrency=4", "-l", "info", "--without-heartbeat", "--without-gossip",
                          "--without-mingle"], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info", "-s",
                          str(tmp_path / "beat-schedule")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]

    def emails() -> int:
        return log.read_text(errors="replace").count(SUBJECT)

    try:
        assert wait_until(lambda: Connection.objects.get(pk=connection.pk).status == Status.REVOKED, 90), \
            log.read_text(errors="replace")[-3000:]
        assert wait_until(lambda: emails() == 1, 30)
        # Two more sweeps (beat every 2 s): the same breakage is not told again.
        sweeps = SweepRun.objects.filter(kind=SweepRun.Kind.VERIFY).count()
        assert wait_until(lambda: SweepRun.objects.filter(kind=SweepRun.Kind.VERIFY).count() >= sweeps + 2, 60)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    assert emails() == 1
    row = Connection.objects.get(pk=connection.pk)
    assert row.broken_notified_at is not None and row.user.email in log.read_text(errors="replace")
    assert connection.access_token not in log.read_text(errors="replace")  # the email never holds the token
    assert not list((tmp_path / "broker" / "queue").glob("*.msg"))  # every message was taken
