"""runners.channel: bounded waits, clear 503s, and no token left behind."""

from __future__ import annotations

import json
import time

import pytest

from portal.crypto import encrypt_str
from runners import channel, services
from runners.channel import RunnerJobFailed, RunnerOffline, RunnerTimeout, request, run_job
from runners.models import Runner, RunnerJob
from runners.protocol.jobs import OAuthTokenPayload, OAuthTokenResult
from tests.runners.conftest import create_runner, register_runner

pytestmark = pytest.mark.django_db


def test_offline_runner_fails_at_once_without_creating_a_job(world):
    offline = register_runner(world.a.org, world.a.admin, online=False)
    started = time.monotonic()
    with pytest.raises(RunnerOffline) as info:
        run_job(offline.runner, "ping", {}, timeout=30)
    assert time.monotonic() - started < 2  # far below the 30 s it would otherwise wait
    assert "acme-aws is offline: start its agent" in info.value.message
    assert info.value.http_status == 503 and info.value.code == "runner_offline"
    assert not RunnerJob.objects.exists()


def test_unregistered_runner_fails_at_once(world):
    runner, _ = create_runner(world.a.org, world.a.admin)
    with pytest.raises(RunnerOffline, match="has not registered yet"):
        run_job(runner, "ping", {}, timeout=30)


def test_stale_runner_object_is_rechecked(world):
    """A Runner loaded while online must not be trusted after its agent went away."""
    reg = register_runner(world.a.org, world.a.admin)
    Runner.objects.filter(pk=reg.runner.pk).update(last_seen_at=None)
    assert reg.runner.status == "online"
    with pytest.raises(RunnerOffline):
        run_job(reg.runner, "ping", {}, timeout=30)


def test_runner_that_never_answers_times_out_within_the_bound(registered):
    started = time.monotonic()
    with pytest.raises(RunnerTimeout) as info:
        run_job(registered.runner, "oauth.token", {"grant": {"refresh_token": "rt-secret"}}, timeout=0.3)
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 3
    assert info.value.http_status == 503 and "did not answer within 0.3 seconds" in info.value.message
    job = RunnerJob.objects.get()
    assert job.state == RunnerJob.State.EXPIRED and job.payload_encrypted == "" and job.finished_at is not None


def test_default_timeout_comes_from_settings(registered, settings):
    settings.RUNNER_JOB_TIMEOUT_SECONDS = 0.2
    with pytest.raises(RunnerTimeout, match="0.2 seconds"):
        run_job(registered.runner, "ping", {})


def _answer_instantly(monkeypatch, *, ok: bool, result: dict | None = None, error: str = ""):
    """Stand in for an agent that claims and answers as soon as the job exists."""
    create = services.runner_job_create

    def create_and_answer(**kwargs):
        job = create(**kwargs)
        RunnerJob.objects.filter(pk=job.pk).update(state=RunnerJob.State.CLAIMED)
        services.runner_job_finish(runner=job.runner, job_id=job.pk, ok=ok, result=result, error=error)
        return job

    monkeypatch.setattr(channel.services, "runner_job_create", create_and_answer)


def test_answer_is_returned_and_then_forgotten(registered, monkeypatch):
    _answer_instantly(monkeypatch, ok=True, result={"status": 200, "body": {"access_token": "at-1"}})
    grant = {"grant_type": "refresh_token", "refresh_token": "rt-1"}
    answer = request(registered.runner, OAuthTokenPayload(sealed="{}", integration_id=5, grant=grant))
    assert answer == OAuthTokenResult(status=200, body={"access_token": "at-1"})
    job = RunnerJob.objects.get()
    assert job.kind == "oauth.token" and job.state == RunnerJob.State.DONE
    assert job.payload_encrypted == "" and job.result_encrypted == ""


def test_agent_error_becomes_runner_job_failed(registered, monkeypatch):
    _answer_instantly(monkeypatch, ok=False, error="Cannot reach the token endpoint bitbucket.org: ConnectTimeout.")
    with pytest.raises(RunnerJobFailed) as info:
        run_job(registered.runner, "oauth.token", {})
    assert info.value.http_status == 503
    assert info.value.message == ("The runner acme-aws could not complete the request: "
                                  "Cannot reach the token endpoint bitbucket.org: ConnectTimeout.")


def test_malformed_token_answer_is_refused(registered, monkeypatch):
    _answer_instantly(monkeypatch, ok=True, result={"status": "200"})
    with pytest.raises(RunnerJobFailed, match=r"malformed oauth.token answer \(OAuthTokenResult: status has the"):
        request(registered.runner, OAuthTokenPayload(sealed="{}", integration_id=5,
                                                     grant={"grant_type": "authorization_code", "code": "c"}))


def test_answer_that_raced_the_expiry_is_used(registered, monkeypatch):
    """The agent answers between the last look and the expiry: the answer wins over a timeout."""
    monkeypatch.setattr(channel.services, "runner_job_expire", lambda *, job: _finish_now(job) or False)
    assert run_job(registered.runner, "ping", {}, timeout=0.1) == {"pong": True}


def _finish_now(job: RunnerJob) -> None:
    RunnerJob.objects.filter(pk=job.pk).update(state=RunnerJob.State.DONE,
                                               result_encrypted=encrypt_str(json.dumps({"pong": True})))
