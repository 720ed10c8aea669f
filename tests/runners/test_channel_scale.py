"""The runner channel across real web processes: notifications wake agents, the safety net catches a lost one,
waiting costs no connection, a vanished agent frees its place.

Two `uvicorn portal.asgi:application` processes on this test's PostgreSQL database; agents are real
(`python -m runners.agent run`) or raw HTTP long polls. Their safety-net sweep is set far beyond each
test's bound wherever a test shows that a notification did the work.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from runners import channel
from runners.models import RunnerJob
from runners.protocol.jobs import PingResult
from tests.runners.channel_servers import ROOT, PortalProcess, wait_until
from tests.runners.conftest import create_runner, register_runner

pytestmark = pytest.mark.django_db(transaction=True)
NO_SWEEP = {"RUNNER_CHANNEL_SWEEP_SECONDS": 600}


@contextmanager
def portals(tmp_path: Path, count: int, **settings):
    started: list[PortalProcess] = []
    try:
        for index in range(count):
            started.append(PortalProcess(tmp_path, f"web{index}", **settings))
        yield started
    finally:
        for portal in started:
            portal.stop()


@contextmanager
def real_agent(portal: PortalProcess, token: str, state_dir: Path):
    done = subprocess.run([sys.executable, "-m", "runners.agent", "register", "--portal", portal.url, "--token", token,
                           "--state-dir", str(state_dir)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + portal.output()[-2000:]
    process = subprocess.Popen([sys.executable, "-m", "runners.agent", "run", "--state-dir", str(state_dir),
                                "--wait", "20"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        yield process
    finally:
        process.terminate()
        process.communicate(timeout=15)


def _waiting_poll_started(portal: PortalProcess, credential: str) -> httpx.Response:
    """A poll with nothing to hand out comes back 204; the next one is then the agent's waiting one."""
    return httpx.get(f"{portal.url}/api/runner/v1/jobs/next?wait=0",
                     headers={"Authorization": f"Runner {credential}"}, timeout=10)


def test_a_job_created_in_one_process_wakes_the_agent_waiting_in_another(world, tmp_path):
    with portals(tmp_path, 2, **NO_SWEEP) as (web_a, web_b):
        first, first_token = create_runner(world.a.org, world.a.admin, name="on-a")
        second, second_token = create_runner(world.a.org, world.a.admin, name="on-b")
        with real_agent(web_a, first_token, tmp_path / "a"), real_agent(web_b, second_token, tmp_path / "b"):
            # Each process listens once its agent's first poll arrived. From then on a poll either waits (the
            # job's notification wakes it) or arrives after the job (the notification left a hint): with the
            # sweep at 600 s, only a notification gets the job to the agent within the bound below.
            assert wait_until(lambda: web_a.listening() and web_b.listening(), 60), web_a.output()[-2000:]
            for runner in (first, second):
                runner.refresh_from_db()
                started = time.monotonic()
                answer = channel.runner_ping(runner, timeout=10)
                elapsed = time.monotonic() - started
                assert isinstance(answer, PingResult) and answer.pong is True
                # Far below the 600 s sweep and the 20 s poll (slack for a busy machine): notifications carried it.
                assert elapsed < 8, (elapsed, web_a.output()[-2000:], web_b.output()[-2000:])


def test_a_lost_notification_is_delivered_by_the_safety_net(world, tmp_path):
    reg = register_runner(world.a.org, world.a.admin)
    with portals(tmp_path, 1, RUNNER_CHANNEL_SWEEP_SECONDS=1) as (web,):
        assert _waiting_poll_started(web, reg.credential).status_code == 204

        async def scenario():
            async with httpx.AsyncClient(timeout=30) as client:
                since = timezone.now()
                poll = asyncio.ensure_future(client.get(f"{web.url}/api/runner/v1/jobs/next?wait=15",
                                                        headers={"Authorization": f"Runner {reg.credential}"}))
                assert await asyncio.to_thread(_arrived, [reg.runner.pk], since)  # the poll is waiting
                # Written straight to the table: no NOTIFY, as if the notification had been lost.
                job = await asyncio.to_thread(_job_without_notification, reg.runner)
                started = time.monotonic()
                response = await poll
                return job, response, time.monotonic() - started

        job, response, elapsed = asyncio.run(scenario())
        assert response.status_code == 200 and response.json()["id"] == job.pk
        assert elapsed < 12  # the sweep's 1 s plus slack for a busy machine, below the 15 s wait


def _job_without_notification(runner) -> RunnerJob:
    from datetime import timedelta

    from django.db import connections
    from django.utils import timezone

    from portal.crypto import encrypt_str

    try:
        return RunnerJob.objects.create(runner=runner, kind="ping", payload_encrypted=encrypt_str("{}"),
                                        expires_at=timezone.now() + timedelta(seconds=30))
    finally:
        connections.close_all()


def _arrived(runner_ids: list[int], since) -> bool:
    """Every one of these runners' polls has arrived: a poll registers its waiter, then writes last-seen
    (at once: the test settings batch nothing)."""
    from django.db import connections

    from runners.models import Runner

    try:
        return wait_until(lambda: Runner.objects.filter(pk__in=runner_ids, last_seen_at__gte=since).count()
                          == len(runner_ids), 60, 0.2)
    finally:
        connections.close_all()


def _connections_to_test_db() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def test_200_waiting_agents_do_not_exhaust_the_database_connections(world, tmp_path):
    runners = [register_runner(world.a.org, world.a.admin, name=f"r{i:03d}") for i in range(200)]
    chosen = runners[137]
    with portals(tmp_path, 1, **NO_SWEEP, RUNNER_CHANNEL_DB_THREADS=4) as (web,):
        before = _connections_to_test_db()

        async def scenario():
            limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                since = timezone.now()
                polls = [asyncio.ensure_future(client.get(f"{web.url}/api/runner/v1/jobs/next?wait=20",
                                                          headers={"Authorization": f"Runner {r.credential}"}))
                         for r in runners]
                assert await asyncio.to_thread(_arrived, [r.runner.pk for r in runners], since)  # all 200 wait
                during = await asyncio.to_thread(_connections_to_test_db)
                answer = asyncio.ensure_future(asyncio.to_thread(_ping_and_close, chosen.runner))
                responses = await asyncio.gather(*polls)
                return during, responses, await answer

        during, responses, job_id = asyncio.run(scenario())
        # The pool's 4 threads, the listener, the sweep and Django's own request threads: a handful, not 200.
        assert during - before <= 10, web.output()[-2000:]
        statuses = [response.status_code for response in responses]
        assert statuses.count(204) == 199 and statuses[137] == 200, web.output()[-2000:]
        assert responses[137].json()["kind"] == "ping"
        assert job_id is not None


def _ping_and_close(runner) -> int | None:
    from django.db import connections

    try:
        job = channel.services.runner_job_create(runner=runner, kind="ping", payload={}, timeout=30)
        return job.pk
    finally:
        connections.close_all()


def test_an_agent_that_disconnects_mid_wait_does_not_swallow_its_next_job(world, tmp_path):
    reg = register_runner(world.a.org, world.a.admin)
    headers = {"Authorization": f"Runner {reg.credential}"}
    with portals(tmp_path, 1, **NO_SWEEP) as (web,):
        with pytest.raises(httpx.ReadTimeout):  # the agent hangs up after 0.5 s of a 15 s wait
            httpx.get(f"{web.url}/api/runner/v1/jobs/next?wait=15", headers=headers, timeout=0.5)
        job = channel.services.runner_job_create(runner=reg.runner, kind="ping", payload={}, timeout=30)
        # The departed poll's waiter is gone: the job was not claimed on behalf of a closed connection.
        response = httpx.get(f"{web.url}/api/runner/v1/jobs/next?wait=5", headers=headers, timeout=10)
        assert response.status_code == 200 and response.json()["id"] == job.pk
        job.refresh_from_db()
        assert job.state == RunnerJob.State.CLAIMED


def test_a_deleted_runner_is_refused_at_once_although_its_credential_was_cached(world, tmp_path):
    reg = register_runner(world.a.org, world.a.admin)
    headers = {"Authorization": f"Runner {reg.credential}"}
    with portals(tmp_path, 2) as (web_a, web_b):
        for web in (web_a, web_b):  # both processes now hold the credential in memory
            assert httpx.get(f"{web.url}/api/runner/v1/jobs/next?wait=0", headers=headers).status_code == 204
        reg.runner.delete()
        for web in (web_a, web_b):
            assert wait_until(lambda web=web: httpx.get(f"{web.url}/api/runner/v1/jobs/next?wait=0",
                                                        headers=headers).status_code == 401, 2)
        body = httpx.get(f"{web_a.url}/api/runner/v1/jobs/next?wait=0", headers=headers).json()
        assert body["error"]["code"] == "not_authenticated" and "Register the agent again" in body["error"]["message"]


def test_the_async_long_poll_answers_errors_in_the_portal_shape(world, tmp_path):
    reg = register_runner(world.a.org, world.a.admin)
    with portals(tmp_path, 1) as (web,):
        url = f"{web.url}/api/runner/v1/jobs/next"
        missing = httpx.get(url)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Runner"
        assert missing.json()["error"]["code"] == "not_authenticated"
        bad_wait = httpx.get(f"{url}?wait=nan", headers={"Authorization": f"Runner {reg.credential}"})
        assert bad_wait.status_code == 400
        assert bad_wait.json()["error"]["fields"] == {"wait": ["Enter a finite number."]}
        assert httpx.post(url, headers={"Authorization": f"Runner {reg.credential}"}).status_code == 405
        assert httpx.get(url, headers={"Host": "evil.example"}).status_code == 400
        auth = {"Authorization": f"Runner {reg.credential}"}
        other = register_runner(world.b.org, world.b.admin, name="globex-runner")
        foreign = channel.services.runner_job_create(runner=other.runner, kind="ping", payload={}, timeout=30)
        answer = httpx.post(f"{web.url}/api/runner/v1/jobs/{foreign.pk}/result", headers=auth,
                            json={"ok": True, "result": {}})
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
        mine = channel.services.runner_job_create(runner=reg.runner, kind="ping", payload={}, timeout=30)
        result_url = f"{web.url}/api/runner/v1/jobs/{mine.pk}/result"
        unclaimed = httpx.post(result_url, headers=auth, json={"ok": True, "result": {}})
        assert unclaimed.status_code == 409 and unclaimed.json()["error"]["code"] == "job_not_claimed"
        no_result = httpx.post(result_url, headers=auth, json={"ok": True})
        assert no_result.status_code == 400 and "result" in no_result.json()["error"]["fields"]
        garbled = httpx.post(result_url, headers={**auth, "Content-Type": "application/json"}, content=b"{nope")
        assert garbled.status_code == 400 and garbled.json()["error"]["code"] == "parse_error"
        form = httpx.post(result_url, headers=auth, data={"ok": "true"})
        assert form.status_code == 415
        assert httpx.post(result_url, json={"ok": True, "result": {}}).status_code == 401
        beat = httpx.post(f"{web.url}/api/runner/v1/heartbeat", headers=auth, json={"agent_version": "7.7"})
        assert beat.status_code == 200 and beat.json()["runner_id"] == reg.runner.pk
        assert beat.json()["status"] == "online"
        reg.runner.refresh_from_db()
        assert reg.runner.agent_version == "7.7"
        too_long = httpx.post(f"{web.url}/api/runner/v1/heartbeat", headers=auth, json={"agent_version": "x" * 41})
        assert too_long.status_code == 400 and "agent_version" in too_long.json()["error"]["fields"]
        # The rest of the portal is the Django application, served by the same processes.
        assert httpx.get(f"{web.url}/api/runner/v1/me", headers={"Authorization": f"Runner {reg.credential}"}
                         ).json()["runner_id"] == reg.runner.pk
