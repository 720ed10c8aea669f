"""The portal's side of the agent channel: hand a runner's agent some work and wait, bounded, for its answer.

The agent long-polls the portal (see runners/agent/README.md), so "sending" a job is writing a row
the agent claims; the row's creation wakes the waiting agent and its answer wakes us (runners.wakeup),
with no polling in between. Nothing here ever blocks longer than the timeout, and an offline runner
fails at once.

Call `run_job` outside `transaction.atomic()`: the agent reads the job through another connection
and only sees it once committed. Inside a transaction it can only time out.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction

from portal.crypto import decrypt_str
from portal.errors import Unavailable
from runners import services, wakeup
from runners.models import Runner, RunnerJob, RunnerStatus
from runners.protocol import jobs as protocol

logger = logging.getLogger(__name__)

# RUNNER_CHANNEL_LEGACY_POLLING only: first checks come quickly, then back off to spare the database.
_POLL_INTERVALS = (0.05, 0.1, 0.1, 0.2, 0.2, 0.3)
_POLL_INTERVAL_MAX = 0.5


class RunnerOffline(Unavailable):
    code = "runner_offline"


class RunnerTimeout(Unavailable):
    code = "runner_timeout"


class RunnerJobFailed(Unavailable):
    code = "runner_job_failed"


def _refresh_liveness(runner: Runner) -> None:
    fresh = Runner.objects.filter(pk=runner.pk).values("public_key", "last_seen_at").first()
    if fresh is not None:
        runner.public_key, runner.last_seen_at = fresh["public_key"], fresh["last_seen_at"]


def run_job(runner: Runner, kind: str, payload: dict, *, timeout: float | None = None) -> dict:
    """Create a job for the runner's agent and return its raw result; raise Runner* errors (HTTP 503).

    Portal code calls `request()` with a typed payload; this is the untyped layer under it.
    """
    _refresh_liveness(runner)
    status = runner.status
    if status == RunnerStatus.PENDING:
        raise RunnerOffline(f"The runner {runner.name} has not registered yet: run its agent's register command first.")
    if status != RunnerStatus.ONLINE:
        raise RunnerOffline(f"The runner {runner.name} is offline: start its agent and try again.")
    timeout = settings.RUNNER_JOB_TIMEOUT_SECONDS if timeout is None else timeout
    timeout = max(0.1, float(timeout))
    if transaction.get_connection().in_atomic_block:
        logger.warning("run_job(%s) inside a transaction: the agent cannot see the job until it commits.", kind)
    job = services.runner_job_create(runner=runner, kind=kind, payload=payload, timeout=timeout)
    deadline = time.monotonic() + timeout
    row = _wait_for_answer(job, deadline) if not settings.RUNNER_CHANNEL_LEGACY_POLLING else \
        _poll_for_answer(job, deadline)
    if row is _GONE:  # the runner was deleted while we waited
        raise RunnerJobFailed(f"The runner {runner.name} was removed while the portal waited for it.")
    if row is not None:
        return _answer(runner, job, row)
    if not services.runner_job_expire(job=job):
        # The agent answered between our last look and the expiry: use the answer.
        row = RunnerJob.objects.filter(pk=job.pk).values("state", "result_encrypted", "error").first()
        if row is not None and row["state"] in (RunnerJob.State.DONE, RunnerJob.State.FAILED):
            return _answer(runner, job, row)
    logger.info("Runner %s did not answer job %s (%s) within %.1fs", runner.pk, job.pk, kind, timeout)
    raise RunnerTimeout(
        f"The runner {runner.name} did not answer within {timeout:g} seconds. Check that its agent is running "
        "and can reach the portal, then try again."
    )


_GONE = object()


def _final_row(job: RunnerJob):
    row = RunnerJob.objects.filter(pk=job.pk).values("state", "result_encrypted", "error").first()
    if row is None:
        return _GONE
    return row if row["state"] in (RunnerJob.State.DONE, RunnerJob.State.FAILED) else None


def _wait_for_answer(job: RunnerJob, deadline: float):
    """Look at the row when the answer is announced (runners.wakeup), not on a timer."""
    waiter = wakeup.hub.add(wakeup.ANSWER, job.pk)
    try:
        while True:
            row = _final_row(job)
            remaining = deadline - time.monotonic()
            if row is not None or remaining <= 0:
                return row
            waiter.wait(remaining)
            waiter.rearm()
    finally:
        wakeup.hub.remove(waiter)


def _poll_for_answer(job: RunnerJob, deadline: float):
    """RUNNER_CHANNEL_LEGACY_POLLING: the pre-notification behaviour, kept to compare (make bench)."""
    attempt = 0
    while True:
        row = _final_row(job)
        remaining = deadline - time.monotonic()
        if row is not None or remaining <= 0:
            return row
        delay = _POLL_INTERVALS[attempt] if attempt < len(_POLL_INTERVALS) else _POLL_INTERVAL_MAX
        time.sleep(min(delay, remaining))
        attempt += 1


def _answer(runner: Runner, job: RunnerJob, row: dict) -> dict:
    services.runner_job_forget(job=job)
    if row["state"] == RunnerJob.State.FAILED:
        raise RunnerJobFailed(f"The runner {runner.name} could not complete the request: {row['error']}")
    try:
        result = json.loads(decrypt_str(row["result_encrypted"])) if row["result_encrypted"] else {}
    except ValueError:
        raise RunnerJobFailed(f"The runner {runner.name} sent an answer the portal cannot read.") from None
    if not isinstance(result, dict):
        raise RunnerJobFailed(f"The runner {runner.name} sent an answer the portal cannot read.")
    return result


def request(runner: Runner, payload: Any, *, timeout: float | None = None) -> Any:
    """Send a typed payload (runners.protocol.jobs) and return the agent's typed result.

    The kind follows from the payload's class; an answer without the result's shape is a
    RunnerJobFailed, like any other answer the portal cannot use.
    """
    kind = protocol.kind_of(payload)
    answer = run_job(runner, kind, protocol.encode(payload), timeout=timeout)
    try:
        return protocol.decode_result(kind, answer)
    except protocol.ProtocolError as exc:
        raise RunnerJobFailed(f"The runner {runner.name} sent a malformed {kind} answer ({exc}).") from None


def runner_ping(runner: Runner, *, timeout: float | None = None) -> protocol.PingResult:
    """A round trip through the agent."""
    return request(runner, protocol.PingPayload(), timeout=timeout)
