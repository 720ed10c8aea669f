"""Claiming and answering jobs when agents race: each job goes to exactly one agent and takes one answer.

Two agents may share a runner's credential (a runner restarted while its old process still polls); the
claim is one statement on PostgreSQL, so these run on real connections, one per thread.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.errors import Conflict
from runners import services
from runners.models import RunnerJob
from tests.concurrency import run_together
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db(transaction=True)


def test_agents_racing_for_a_runners_jobs_each_get_different_ones(world):
    runner = register_runner(world.a.org, world.a.admin).runner
    jobs = [services.runner_job_create(runner=runner, kind="ping", payload={}, timeout=60) for _ in range(40)]
    claimed: list[int] = []
    lock = threading.Lock()

    def agent() -> None:
        while (job := services.runner_job_claim_next(runner=runner)) is not None:
            with lock:
                claimed.append(job.pk)

    assert run_together(agent, 8) == []
    assert sorted(claimed) == [job.pk for job in jobs]  # every job once, none twice
    assert set(RunnerJob.objects.values_list("state", flat=True)) == {RunnerJob.State.CLAIMED}


def test_a_claim_skips_expired_jobs_and_other_runners_jobs(world):
    mine = register_runner(world.a.org, world.a.admin, name="mine").runner
    other = register_runner(world.a.org, world.a.admin, name="other").runner
    expired = services.runner_job_create(runner=mine, kind="ping", payload={}, timeout=60)
    RunnerJob.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    services.runner_job_create(runner=other, kind="ping", payload={}, timeout=60)
    live = services.runner_job_create(runner=mine, kind="ping", payload={"n": 1}, timeout=60)

    job = services.runner_job_claim_next(runner=mine)
    assert job.pk == live.pk and job.kind == "ping" and job.payload_encrypted
    assert services.runner_job_claim_next(runner=mine) is None
    assert RunnerJob.objects.get(pk=expired.pk).state == RunnerJob.State.PENDING  # left for the purge


def test_a_job_takes_one_answer(world):
    runner = register_runner(world.a.org, world.a.admin).runner
    services.runner_job_create(runner=runner, kind="ping", payload={"token": "t"}, timeout=60)
    job = services.runner_job_claim_next(runner=runner)
    services.runner_job_finish(runner=runner, job_id=job.pk, ok=True, result={"pong": True})

    with pytest.raises(Conflict, match="This job is done"):
        services.runner_job_finish(runner=runner, job_id=job.pk, ok=False, error="late")
    row = RunnerJob.objects.get(pk=job.pk)
    assert row.state == RunnerJob.State.DONE and row.payload_encrypted == "" and row.result_encrypted
    assert row.error == "" and row.finished_at is not None
