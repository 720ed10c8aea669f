"""The `prebuild` job: start it with the portal, open the sealed clone credential, run the configured
command, stream its output (the credential masked) and liveness, and report how it ended.

Runs on a worker thread (see worker.py), so the agent keeps answering other jobs (an OAuth refresh the
portal needs to mint this very credential, for one) while a prebuild runs.
"""

from __future__ import annotations

import logging
import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from runners.agent.client import PortalClient, PortalError, PortalUnreachable
from runners.agent.clone_credential import OpenedCloneCredential, open_clone_credential
from runners.agent.state import AgentState
from runners.protocol.jobs import PrebuildPayload, PrebuildResult
from runners.protocol.sealing import SealedBlob, SealError

logger = logging.getLogger("runners.agent")

OUTPUT_LIMIT = 64 * 1024
AGENT_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the `runners` package
FLUSH_SECONDS = 1.0  # output reaches the portal about once a second while a command prints
START_ATTEMPTS = 4


class JobError(Exception):
    pass


def default_command() -> str:
    return f"{shlex.quote(sys.executable)} -m runners.agent.prebuild_report"


@dataclass
class Outcome:
    state: str  # succeeded | failed | cancelled
    exit_code: int | None
    reason: str = ""


class Masker:
    """Replaces the credential (and its URL-encoded form) in output, like CI systems mask secrets."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = sorted({s for secret in secrets if secret for s in (secret, quote(secret, safe=""))},
                              key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def _tail(text: str) -> str:
    return text[-OUTPUT_LIMIT:]


def _start(client: PortalClient, prebuild_id: int, state: AgentState) -> dict | None:
    delay = 1.0
    for attempt in range(START_ATTEMPTS):
        try:
            return client.prebuild_start(prebuild_id)
        except PortalError as exc:  # 404/409: cancelled, superseded or not ours any more
            logger.info("Prebuild %s not started: %s", prebuild_id, exc.message)
            return None
        except PortalUnreachable as exc:
            if attempt == START_ATTEMPTS - 1 or state.stopping.is_set():
                raise JobError(f"Could not start prebuild {prebuild_id}: {exc}") from None
            time.sleep(delay)
            delay *= 2
    return None


def run(state: AgentState, payload: PrebuildPayload) -> PrebuildResult:
    prebuild_id = payload.prebuild_id
    with PortalClient(state.portal, state.credential) as client:
        work = _start(client, prebuild_id, state)
        if work is None:
            return PrebuildResult(prebuild_id=prebuild_id, state="not-started")
        try:
            state.reload_keys_if_rotated()
            credential = open_clone_credential(state.keys, SealedBlob.from_text(work["sealed_credential"]),
                                               runner_id=state.runner_id, purpose=str(work["purpose"]))
        except (SealError, KeyError, OSError, ValueError) as exc:
            outcome, output = Outcome("failed", None, f"Cannot open the clone credential: {exc}"), ""
        else:
            outcome, output = _run_command(state, client, work, credential)
        try:
            client.prebuild_finish(prebuild_id, state=outcome.state, output=output, exit_code=outcome.exit_code,
                                   reason=outcome.reason)
        except PortalError as exc:  # the portal already gave up on it (e.g. the sweep failed it)
            logger.warning("The portal refused the end of prebuild %s: %s", prebuild_id, exc.message)
    logger.info("Prebuild %s %s", prebuild_id, outcome.state)
    return PrebuildResult(prebuild_id=prebuild_id, state=outcome.state)


def _environment(work: dict, credential: OpenedCloneCredential, workdir: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREBUILD_")}
    env.update({
        "PREBUILD_ID": str(work.get("prebuild_id", "")), "PREBUILD_PROVIDER": str(work.get("provider", "")),
        "PREBUILD_REPOSITORY": str(work.get("repository", "")), "PREBUILD_REF": str(work.get("ref", "")),
        "PREBUILD_COMMIT": str(work.get("commit", "")), "PREBUILD_TRIGGER": str(work.get("trigger", "")),
        "PREBUILD_CLONE_URL": str(work.get("clone_url", "")),
        "PREBUILD_COMMIT_API_URL": str(work.get("commit_api_url", "")),
        "PREBUILD_API_AUTH": str(work.get("api_auth", "bearer")),
        "PREBUILD_GIT_USERNAME": credential.username, "PREBUILD_GIT_PASSWORD": credential.password,
        "PREBUILD_WORKDIR": workdir, "GIT_TERMINAL_PROMPT": "0",
    })
    return env


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _reader(stream, lines: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode("utf-8", errors="replace"))
    lines.put(None)


def _run_command(state: AgentState, client: PortalClient, work: dict,
                 credential: OpenedCloneCredential) -> tuple[Outcome, str]:
    prebuild_id = int(work["prebuild_id"])
    command = state.prebuild_command or default_command()
    mask = Masker([credential.password])
    workdir = tempfile.mkdtemp(prefix=f"prebuild-{prebuild_id}-")
    env = _environment(work, credential, workdir)
    if not state.prebuild_command:  # the built-in report runs from the work directory: find this package
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [AGENT_ROOT, env.get("PYTHONPATH", "")]))
    try:
        # The command is the runner operator's own setting on their own machine, never something the portal sent.
        process = subprocess.Popen(command, shell=True, cwd=workdir, env=env,  # noqa: S602
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    except OSError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        return Outcome("failed", None, f"Cannot start the prebuild command: {exc.strerror}"), ""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True).start()
    heartbeat = float(work.get("progress_seconds") or 5.0)
    deadline = time.monotonic() + state.prebuild_timeout
    pending, last_report, ended, outcome = "", time.monotonic(), False, None
    try:
        while not ended:
            try:
                line = lines.get(timeout=0.2)
                if line is None:
                    ended = True
                else:
                    pending = _tail(pending + mask(line))
            except queue.Empty:
                pass
            now = time.monotonic()
            if state.stopping.is_set():
                _kill(process)
                outcome = Outcome("cancelled", None, "The runner agent was stopped while it ran this prebuild.")
                break
            if now > deadline:
                _kill(process)
                outcome = Outcome("failed", None, f"Timed out after {state.prebuild_timeout:g} seconds.")
                break
            due = FLUSH_SECONDS if pending else heartbeat
            if not ended and now - last_report >= due:
                try:
                    answer = client.prebuild_progress(prebuild_id, output=pending)
                    pending, last_report = "", now
                except PortalUnreachable as exc:  # keep the output; the next report carries it
                    logger.warning("Prebuild %s: cannot report progress: %s", prebuild_id, exc)
                    last_report = now
                    continue
                except PortalError as exc:  # 409: the portal gave up on this prebuild; stop working on it
                    logger.warning("Prebuild %s: %s", prebuild_id, exc.message)
                    _kill(process)
                    outcome = Outcome("failed", None, exc.message)
                    break
                if answer.get("cancel"):
                    _kill(process)
                    outcome = Outcome("cancelled", None, "Cancelled from the portal.")
                    break
        if outcome is None:
            code = process.wait()
            outcome = Outcome("succeeded", 0) if code == 0 else Outcome("failed", code)
        return outcome, pending
    finally:
        if process.poll() is None:
            _kill(process)
        shutil.rmtree(workdir, ignore_errors=True)
