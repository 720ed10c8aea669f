"""Connection health against the emulator: statuses people understand, tell once, the sweep, the pages.

Celery is eager here (tasks run inline); behaviour that needs a real worker and broker (retries after a
wait, the cap across concurrent tasks, a killed worker) is in test_connection_health_worker.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.connections import services
from integrations.connections.sweep import verify_sweep
from integrations.models import Connection, SweepRun
from integrations.models.connection import Status
from tests.concurrency import run_together
from tests.integrations import health_fixtures
from tests.integrations.health_fixtures import ALL_SCOPES, cloud_connection, many_connections

cloud = health_fixtures.cloud

pytestmark = pytest.mark.django_db

USER_PATH = r"^/2\.0/user$"


def user_calls(emulator) -> int:
    return len(emulator.requests(USER_PATH))


def test_a_revoked_token_is_told_once_by_email_and_banner_and_recovery_clears_it(world, emulator, cloud, client_for,
                                                                                 mailoutbox,
                                                                                 django_capture_on_commit_callbacks):
    member = world.a.member
    connection = cloud_connection(emulator, cloud, member)
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": connection.access_token})

    with django_capture_on_commit_callbacks(execute=True):
        verify_sweep(spread_seconds=0)

    connection.refresh_from_db()
    assert connection.status == Status.REVOKED and connection.broken_notified_at is not None
    (mail,) = mailoutbox
    assert mail.to == [member.email] and "Bitbucket Cloud" in mail.subject
    assert "/orgs/acme/connections/" in mail.body and connection.access_token not in mail.body
    client = client_for(member)
    dashboard = client.get(reverse("org_dashboard", args=["acme"])).content.decode()
    assert 'id="broken-connections"' in dashboard and "stopped working: <strong>revoked</strong>" in dashboard
    assert "data-connect" in dashboard and ">Reconnect</button>" in dashboard  # the popup flow, from any page

    # The same breakage again: the next sweep, an explicit Test, a second verify. No second email.
    Connection.objects.filter(pk=connection.pk).update(last_verified_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        verify_sweep(spread_seconds=0)
        client.post(reverse("connection_test", args=["acme", connection.pk]))
        services.connection_verify(connection_id=connection.pk)
    assert len(mailoutbox) == 1

    # Recovery (a new working token) clears the banner; the next breakage is told again.
    fresh = emulator.control("POST", "/cloud/tokens", json={"kind": "oauth", "user": "alice", "scopes": ALL_SCOPES})
    connection.refresh_from_db()
    connection.access_token = fresh["token"]
    connection.save()
    assert services.connection_verify(connection_id=connection.pk).status == Status.ACTIVE
    assert 'id="broken-connections"' not in client.get(reverse("org_dashboard", args=["acme"])).content.decode()
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": fresh["token"]})
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_verify(connection_id=connection.pk)
    assert len(mailoutbox) == 2


def test_other_users_never_see_the_banner(world, emulator, cloud, client_for, mailoutbox):
    connection = cloud_connection(emulator, cloud, world.a.member)
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": connection.access_token})
    services.connection_verify(connection_id=connection.pk)
    page = client_for(world.a.admin).get(reverse("org_dashboard", args=["acme"])).content.decode()
    assert 'id="broken-connections"' not in page


def test_a_5xx_or_429_never_marks_revoked_and_the_status_stands(world, emulator, cloud):
    connection = cloud_connection(emulator, cloud, world.a.member)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "status", "status": 503, "times": 1})
    with pytest.raises(services.ConnectionTransientError):
        services.connection_verify(connection_id=connection.pk)
    emulator.control("POST", "/faults", json={"path": USER_PATH, "kind": "rate_limit", "retry_after": 30,
                                              "times": 1})
    with pytest.raises(services.ConnectionTransientError) as raised:
        services.connection_verify(connection_id=connection.pk)
    assert raised.value.retry_after == 30
    connection.refresh_from_db()
    assert connection.status == Status.ACTIVE and connection.broken_notified_at is None
    # The 429 paused the host: another user's verify waits instead of adding to the load.
    other = cloud_connection(emulator, cloud, world.a.admin)
    calls = user_calls(emulator)
    with pytest.raises(services.ConnectionTransientError) as paused:
        services.connection_verify(connection_id=other.pk)
    assert 25 <= paused.value.retry_after <= 30 and user_calls(emulator) == calls


def test_missing_scopes_are_named_with_what_they_are_for(world, emulator, cloud, client_for):
    connection = cloud_connection(emulator, cloud, world.a.member, scopes=["account", "email", "repository:write"])
    client = client_for(world.a.member)

    response = client.post(reverse("connection_test", args=["acme", connection.pk]), follow=True)

    page = response.content.decode()
    assert "Insufficient scopes" in page and "It lacks pullrequest (" in page
    assert '<span class="badge bad" data-badge' in page


def test_badges_match_their_meaning(world, emulator, cloud, client_for):
    connection = cloud_connection(emulator, cloud, world.a.member)
    client = client_for(world.a.member)
    url = reverse("connection_list", args=["acme"])
    assert '<span class="badge ok" data-badge data-field="status_display" data-status="active">Active</span>' in \
        client.get(url).content.decode()
    Connection.objects.filter(pk=connection.pk).update(status=Status.UNREACHABLE)
    assert 'class="badge warn" data-badge data-field="status_display" data-status="unreachable">Provider unr' in \
        client.get(url).content.decode()
    Connection.objects.filter(pk=connection.pk).update(status=Status.REVOKED)
    assert '<span class="badge bad" data-badge data-field="status_display" data-status="revoked">Revoked</span>' in \
        client.get(url).content.decode()


def test_test_button_is_post_only_and_only_for_your_own_connection(world, emulator, cloud, client_for):
    connection = cloud_connection(emulator, cloud, world.a.member)
    url = reverse("connection_test", args=["acme", connection.pk])
    assert client_for(world.a.member).get(url).status_code == 405
    assert client_for(world.a.admin).post(url).status_code == 404  # someone else's connection
    assert client_for(world.b.owner).post(url).status_code == 404
    response = client_for(world.a.member).post(url, follow=True)
    assert "Bitbucket Cloud account alice works." in response.content.decode()
    connection.refresh_from_db()
    assert connection.last_verified_at is not None


def test_the_sweep_walks_in_chunks_skips_recent_and_broken_connections(world, emulator, cloud, settings):
    settings.CONNECTION_SWEEP_CHUNK = 2
    made = many_connections(emulator, cloud, world.a.org, 5)
    Connection.objects.filter(pk=made[0].pk).update(status=Status.REVOKED)
    Connection.objects.filter(pk=made[1].pk).update(last_verified_at=timezone.now())

    run = verify_sweep(spread_seconds=0)

    assert (run.queued, run.skipped) == (3, 2) and run.finished_at is not None
    assert user_calls(emulator) == 3
    assert Connection.objects.filter(verify_queued_at__isnull=False).count() == 0  # claims released
    assert verify_sweep(spread_seconds=0).queued == 0  # all verified a moment ago


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_verify_each_connection_once(world, emulator, cloud, settings):
    settings.CONNECTION_SWEEP_CHUNK = 3
    made = many_connections(emulator, cloud, world.a.org, 12)
    runs: list[SweepRun] = []

    errors = run_together(lambda: runs.append(verify_sweep(spread_seconds=0)), 2)

    assert not errors, errors
    assert sum(run.queued for run in runs) == len(made)
    assert user_calls(emulator) == len(made)
    assert Connection.objects.filter(status=Status.ACTIVE, last_verified_at__isnull=False).count() == len(made)


def test_runner_page_summarises_connections_by_status(world, emulator, cloud, client_for):
    made = many_connections(emulator, cloud, world.a.org, 3)
    Connection.objects.filter(pk=made[0].pk).update(status=Status.REVOKED)
    page = client_for(world.a.admin).get(reverse("runner_detail", args=["acme", cloud.runner_id])).content.decode()
    assert '<span class="badge bad" data-status="revoked" title="1 revoked">1 revoked</span>' in page
    assert '<span class="badge ok" data-status="active" title="2 active">2 active</span>' in page


@pytest.fixture
def operator(client, mfa_staff):
    client.force_login(mfa_staff)
    return client


def test_operators_verify_now_and_see_the_health_page(world, emulator, cloud, operator):
    made = many_connections(emulator, cloud, world.a.org, 2)
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": made[0].access_token})
    changelist = reverse("admin:integrations_connection_changelist")
    response = operator.post(changelist, {"action": "verify_now", "_selected_action": [c.pk for c in made]},
                             follow=True)
    assert "Verified 2 connection(s); 0 could not be checked now." in response.content.decode()
    assert Connection.objects.get(pk=made[0].pk).status == Status.REVOKED
    verify_sweep(spread_seconds=0)  # nothing due: both were just verified

    page = operator.get(reverse("admin:connection_health")).content.decode()
    assert '<tr data-status="revoked"><td><a href="/admin/integrations/connection/?status__exact=revoked">Revoked' \
           '</a></td><td class="count">1</td></tr>' in page
    assert "queued 0, skipped 2, errors 0" in page
    assert "connections-verify-sweep" in page and "every 15.0 minutes" in page.replace("every 900 seconds",
                                                                                       "every 15.0 minutes")
    assert operator.get(changelist, {"status__exact": "revoked"}).content.decode().count('class="action-select"') == 1


def test_the_health_page_is_for_staff_only(world, client_for):
    response = client_for(world.a.owner).get(reverse("admin:connection_health"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# Beat's scheduler closes stale database connections itself: it needs real transactions, not a test's one.
@pytest.mark.django_db(transaction=True)
def test_beat_schedules_are_rows_and_an_edit_in_admin_takes_effect(operator):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from portal.celery import app

    expected = {"connections-verify-sweep": 900, "connections-refresh-due": 300, "connections-verify-pending": 120,
                "runner-jobs-purge": 86400, "webhooks-sweep": 900, "webhook-deliveries-relay": 10,
                "webhook-deliveries-purge": 86400, "prebuilds-sweep": 30}
    # A transactional test before this one emptied the tables the migration filled: fill them again the
    # migration's way (which leaves existing rows alone: run twice, nothing is duplicated).
    from importlib import import_module

    from django.apps import apps

    migration = import_module("integrations.migrations.0005_beat_schedules")
    migration.create_schedules(apps, None)
    migration.create_schedules(apps, None)
    rows = {t.name: t for t in PeriodicTask.objects.select_related("interval")}
    assert len(rows) == len(expected)
    assert {name: rows[name].interval.every for name in expected} == expected
    scheduler = DatabaseScheduler(app=app, lazy=True)
    assert scheduler.schedule["connections-verify-sweep"].schedule.run_every == timedelta(minutes=15)
    assert not scheduler.schedule_changed()

    task = rows["connections-verify-sweep"]
    change = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    form = operator.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | dict)}
    from django_celery_beat.models import IntervalSchedule

    five, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    data.update({"name": task.name, "regtask": task.task, "task": "", "interval": five.pk, "enabled": "on",
                 "args": "[]", "kwargs": "{}", "headers": "{}", "expire_seconds": "", "priority": "",
                 "queue": "", "exchange": "", "routing_key": "", "description": task.description,
                 "start_time": "", "last_run_at": "", "expires": "", "clocked": "", "crontab": "",
                 "solar": "", "_save": "Save"})
    response = operator.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    # What beat's database scheduler reads (it re-reads when django-celery-beat marks the rows changed).
    fresh = DatabaseScheduler(app=app, lazy=True)
    assert fresh.schedule["connections-verify-sweep"].schedule.run_every == timedelta(minutes=5)


def test_the_demo_revoke_button_exists_only_in_the_demo(world, emulator, cloud, client_for, settings):
    connection = cloud_connection(emulator, cloud, world.a.member)
    client = client_for(world.a.member)
    url = reverse("connection_demo_revoke", args=["acme", connection.pk])
    settings.DEMO_EMULATOR_URL = ""
    assert client.post(url).status_code == 404
    page = client.get(reverse("connection_list", args=["acme"])).content.decode()
    assert "Revoke this token at the emulator" not in page

    settings.DEMO_EMULATOR_URL = emulator.base_url
    assert client_for(world.a.admin).post(url).status_code == 404  # only your own
    client.post(url)
    client.post(reverse("connection_test", args=["acme", connection.pk]))
    assert Connection.objects.get(pk=connection.pk).status == Status.REVOKED


def test_a_connection_broken_from_its_first_verify_sends_no_email(world, emulator, cloud, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    connection = cloud_connection(emulator, cloud, world.a.member, scopes=["account"], status=Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.connection_verify(connection_id=connection.pk).status == Status.INSUFFICIENT_SCOPES
    assert mailoutbox == [] and Connection.objects.get(pk=connection.pk).broken_notified_at is None
