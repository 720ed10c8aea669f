"""connection_verify classifies a token the way Coder does: 401 invalid, 403 scope, 429/5xx transient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from integrations.connections import services
from integrations.models import Connection
from integrations.models.connection import Method, Status
from tests.integrations.oauth_fixtures import make_integration
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def cloud(world, emulator, settings):
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    emulator.control("POST", "/cloud/users", json={"username": "alice", "display_name": "Alice Liddell"})
    runner = register_runner(world.a.org, world.a.admin).runner
    return make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="k", secret="verify-secret")


def oauth_connection(world, emulator, integration, scopes, **fields) -> Connection:
    token = emulator.control("POST", "/cloud/tokens", json={"kind": "oauth", "user": "alice", "scopes": scopes})
    connection = Connection(integration=integration, user=world.a.member, organization=world.a.org,
                            method=Method.OAUTH, username="alice", expires_at=timezone.now() + timedelta(hours=2),
                            **fields)
    connection.access_token = token["token"]
    connection.save()
    return connection


def test_missing_required_scopes_are_named(world, emulator, cloud):
    connection = oauth_connection(world, emulator, cloud, ["account", "email", "repository:write"])

    verified = services.connection_verify(connection_id=connection.pk)

    assert verified.status == Status.INSUFFICIENT_SCOPES
    assert verified.missing_scopes == ["pullrequest", "issue"]
    assert "pullrequest, issue" in verified.last_error


def test_all_scopes_make_it_active_with_the_git_author(world, emulator, cloud):
    connection = oauth_connection(world, emulator, cloud, ["account", "email", "pullrequest:write", "issue"])

    verified = services.connection_verify(connection_id=connection.pk)

    assert verified.status == Status.ACTIVE and verified.missing_scopes == []
    assert verified.git_author_name == "Alice Liddell" and verified.last_verified_at is not None


def test_a_revoked_token_without_refresh_token_is_revoked(world, emulator, cloud):
    connection = oauth_connection(world, emulator, cloud, ["account"])
    emulator.control("POST", "/cloud/tokens/revoke", json={"token": connection.access_token})

    assert services.connection_verify(connection_id=connection.pk).status == Status.REVOKED


def test_rate_limit_is_transient_and_changes_no_status(world, emulator, cloud):
    connection = oauth_connection(world, emulator, cloud, ["account"], status=Status.ACTIVE)
    emulator.control("POST", "/faults", json={"path": "^/2.0/user$", "kind": "rate_limit", "retry_after": 42})

    with pytest.raises(services.ConnectionTransientError) as raised:
        services.connection_verify(connection_id=connection.pk)

    assert raised.value.retry_after == 42
    row = Connection.objects.get(pk=connection.pk)
    assert row.status == Status.ACTIVE and "429" in row.last_error


def test_verify_task_retries_transient_errors_with_retry_after(world, emulator, cloud, monkeypatch):
    from integrations import tasks

    connection = oauth_connection(world, emulator, cloud, ["account"], status=Status.ACTIVE)
    emulator.control("POST", "/faults", json={"path": "^/2.0/user$", "kind": "status", "status": 503, "times": 1})
    countdowns = []
    original = tasks.connection_verify_task.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.connection_verify_task, "retry", spy)

    with pytest.raises(Retry):  # scheduled, with the first backoff step
        tasks.connection_verify_task.apply(args=[connection.pk])

    assert countdowns == [15]
    row = Connection.objects.get(pk=connection.pk)
    assert row.status == Status.ACTIVE and "503" in row.last_error  # transient: not marked broken


def test_a_connection_whose_first_verify_was_lost_is_verified_by_the_sweep(world, emulator, cloud):
    from integrations.tasks import PENDING_GRACE, connections_verify_pending

    scopes = ["account", "email", "repository", "repository:write", "pullrequest", "issue"]
    stale = oauth_connection(world, emulator, cloud, scopes, status=Status.PENDING)
    Connection.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - PENDING_GRACE - timedelta(seconds=1))
    assert connections_verify_pending() == 1  # eager in tests: the verify ran
    stale.refresh_from_db()
    assert stale.status == Status.ACTIVE and stale.last_verified_at is not None
    assert connections_verify_pending() == 0  # nothing pending any more: idempotent


ALL_SCOPES = ["account", "email", "pullrequest:write", "issue"]


def test_the_sweeps_verify_is_one_request_and_keeps_the_author_address_on_record(world, emulator, cloud):
    # The per-host cap rations requests: a sweep asking for /2.0/user/emails too would halve what it verifies.
    from integrations.tasks import connection_verify_task

    connection = oauth_connection(world, emulator, cloud, ALL_SCOPES, git_author_email="alice@old.example")
    emulator.control("DELETE", "/requests")

    connection_verify_task.apply(args=(connection.pk,))

    assert [r["path"] for r in emulator.requests(r"^/2\.0/user")] == ["/2.0/user"]
    connection.refresh_from_db()
    assert connection.status == Status.ACTIVE and connection.git_author_email == "alice@old.example"


def test_a_sweep_asks_for_the_address_of_a_connection_that_has_none(world, emulator, cloud):
    from integrations.tasks import connection_verify_task

    connection = oauth_connection(world, emulator, cloud, ALL_SCOPES, git_author_email="")

    connection_verify_task.apply(args=(connection.pk,))

    connection.refresh_from_db()
    assert connection.git_author_email == "alice@example.com"


def test_test_asks_the_provider_for_the_current_author_address(world, emulator, cloud):
    # What the Test button and the API's verify call: a user who changed their primary address sees it.
    connection = oauth_connection(world, emulator, cloud, ALL_SCOPES, git_author_email="alice@old.example")
    emulator.control("DELETE", "/requests")

    verified = services.connection_verify(connection_id=connection.pk)

    assert verified.git_author_email == "alice@example.com"
    assert len(emulator.requests(r"^/2\.0/user/emails")) == 1
