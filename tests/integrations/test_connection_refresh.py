"""Token refresh through the runner agent against the emulator's rotating refresh tokens."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from integrations import tasks
from integrations.connections import services
from integrations.models import Connection
from integrations.models.connection import Status
from tests.integrations.oauth_fixtures import callback_path, consent, start_connect
from tests.runners.channel_servers import open_connections_to, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
REFRESH = {"grant_type": "refresh_token"}


def connect(oauth_world, which: str = "cloud") -> Connection:
    integration = oauth_world.integrations[which]
    client = oauth_world.client()
    assert client.get(callback_path(consent(start_connect(client, integration)))).status_code == 302
    return Connection.objects.get(integration=integration, user=oauth_world.user)


def token_path(which: str) -> str:
    return "/site/oauth2/access_token" if which == "cloud" else "/rest/oauth2/latest/token"


def refresh_calls(oauth_world, which: str = "cloud") -> list[dict]:
    return [r for r in oauth_world.emulator.requests(path=token_path(which))
            if r["form"]["grant_type"] == "refresh_token"]


def make_due(connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


@pytest.mark.parametrize("which", ["cloud", "server"])
def test_refresh_goes_through_the_agent_and_keeps_the_rotated_token(oauth_world, which):
    connection = connect(oauth_world, which)
    old_access, old_refresh = connection.access_token, connection.refresh_token
    make_due(connection)

    refreshed = services.connection_refresh(connection_id=connection.pk)

    assert refreshed.access_token != old_access and refreshed.refresh_token != old_refresh
    assert refreshed.expires_at > timezone.now() + timedelta(minutes=30)
    assert refreshed.status == Status.ACTIVE
    (call,) = refresh_calls(oauth_world, which)
    assert call["headers"]["User-Agent"].startswith("scm-runner-agent/")
    # The new access token works at the provider: verification stays active.
    assert services.connection_verify(connection_id=connection.pk).status == Status.ACTIVE


def test_a_token_about_to_expire_is_refreshed_before_it_expires_and_never_shows_broken(oauth_world, mailoutbox):
    connection = connect(oauth_world)
    old_access = connection.access_token
    expires = timezone.now() + timedelta(minutes=15)
    Connection.objects.filter(pk=connection.pk).update(expires_at=expires)
    assert services.connection_verify(connection_id=connection.pk).status == Status.ACTIVE  # still works
    assert refresh_calls(oauth_world) == []  # 15 minutes left: the verify leaves it to the refresh sweep

    assert tasks.connections_refresh_due() == 1  # beat, every 5 minutes, looks 20 minutes ahead

    row = Connection.objects.get(pk=connection.pk)
    assert row.access_token != old_access and row.expires_at > expires + timedelta(minutes=30)
    assert len(refresh_calls(oauth_world)) == 1 and timezone.now() < expires  # before, not after, expiry
    assert (row.status, row.broken_notified_at, mailoutbox) == (Status.ACTIVE, None, [])

    # Closer still (within the 10-minute margin), a verify renews the token itself before asking.
    Connection.objects.filter(pk=connection.pk).update(expires_at=timezone.now() + timedelta(minutes=5))
    assert services.connection_verify(connection_id=connection.pk).status == Status.ACTIVE
    assert len(refresh_calls(oauth_world)) == 2
    assert Connection.objects.get(pk=connection.pk).expires_at > timezone.now() + timedelta(minutes=30)


def test_a_token_that_is_not_due_is_not_refreshed(oauth_world):
    connection = connect(oauth_world)
    assert services.connection_refresh(connection_id=connection.pk).access_token == connection.access_token
    assert refresh_calls(oauth_world) == []


def test_two_workers_refreshing_at_once_make_one_upstream_refresh(oauth_world):
    connection = connect(oauth_world)
    make_due(connection)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def worker(name: str) -> None:
        try:
            start.wait(timeout=10)
            results[name] = services.connection_refresh(connection_id=connection.pk).access_token
        except Exception as exc:  # reported below; a thread must not swallow it
            results[name] = exc
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(isinstance(value, Exception) for value in results.values()), results
    row = Connection.objects.get(pk=connection.pk)
    assert results["one"] == results["two"] == row.access_token != connection.access_token
    assert len(refresh_calls(oauth_world)) == 1
    assert row.status == Status.ACTIVE and row.last_error == ""
    # The rotated refresh token is the one kept: the next refresh works.
    make_due(row)
    services.connection_refresh(connection_id=row.pk)
    assert len(refresh_calls(oauth_world)) == 2


def test_a_spent_refresh_token_marks_the_connection_expired_after_a_re_read(oauth_world):
    connection = connect(oauth_world)
    spent = connection.refresh_token
    make_due(connection)
    services.connection_refresh(connection_id=connection.pk)
    row = Connection.objects.get(pk=connection.pk)
    row.refresh_token = spent  # as if a stale copy had been written back
    row.expires_at = timezone.now() - timedelta(minutes=1)
    row.save()

    with pytest.raises(services.ConnectionBroken, match="Reconnect"):
        services.connection_refresh(connection_id=row.pk)

    row.refresh_from_db()
    assert row.status == Status.EXPIRED
    assert "already been used" in row.last_error


def test_refresh_task_is_idempotent_and_the_sweep_queues_due_connections(oauth_world):
    connection = connect(oauth_world)
    assert tasks.connections_refresh_due() == 0
    make_due(connection)

    assert tasks.connections_refresh_due() == 1  # eager: the refresh ran
    tasks.connection_refresh_task.delay(connection.pk)  # again: not due any more

    assert len(refresh_calls(oauth_world)) == 1
    assert tasks.connections_refresh_due() == 0


def test_runner_offline_during_refresh_is_transient_not_broken(oauth_world):
    connection = connect(oauth_world)
    make_due(connection)
    from runners.models import Runner

    oauth_world.runner.agent_process.terminate()
    oauth_world.runner.agent_process.wait(timeout=10)
    # A poll the agent sent just before it died may still be on its way through the live server and would
    # mark the runner seen again: only once the server has closed every connection has it handled them all.
    assert wait_until(lambda: open_connections_to(oauth_world.live_url) == 0, 30)
    Runner.objects.filter(pk=oauth_world.runner.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))

    with pytest.raises(services.ConnectionTransientError, match="offline"):
        services.connection_refresh(connection_id=connection.pk)

    row = Connection.objects.get(pk=connection.pk)
    assert row.status == Status.ACTIVE and "offline" in row.last_error
    assert row.refresh_token == connection.refresh_token
