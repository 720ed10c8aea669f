"""Prebuild fixtures: the projects set-up (acme's runner, Cloud and Server against the emulator, alice's
connections), a real Celery worker through Redis with the outbox relay, and a real agent process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from integrations.projects.models import Project, WebhookState
from integrations.projects.relay import run_relay_loop
from portal.celery import app
from runners.agent.state import save_registration
from tests.projects.conftest import projects_setup  # noqa: F401  (re-exported fixture)

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def hook_active(project: Project) -> bool:
    return Project.objects.get(pk=project.pk).webhook_state == WebhookState.ACTIVE


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


@dataclass
class Agent:
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def start_agent(projects_setup, live_server, tmp_path):  # noqa: F811
    """Start `python -m runners.agent run` for the project's runner, with an optional --prebuild-command."""
    started: list[Agent] = []
    registered = projects_setup.registered

    def start(prebuild_command: str | None = None) -> Agent:
        state_dir = tmp_path / f"agent-{len(started)}"
        save_registration(state_dir, private_key=registered.private_key, portal=live_server.url,
                          registered={"credential": registered.credential, "runner_id": registered.runner.pk,
                                      "runner_name": registered.runner.name, "organization": "acme"})
        log = tmp_path / f"agent-{len(started)}.log"
        command = [sys.executable, "-m", "runners.agent", "-v", "run", "--state-dir", str(state_dir), "--wait", "2"]
        if prebuild_command is not None:
            command += ["--prebuild-command", prebuild_command]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        agent = Agent(process, log)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()
