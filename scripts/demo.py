"""`make demo`: the whole product on one machine, offline.

Starts the Bitbucket emulator, migrates and seeds the embedded SQLite database, serves the
portal, registers and runs a local runner agent, and configures repository access against
the emulator. Ctrl-C stops everything. Running it again reuses the data (idempotent).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = int(os.environ.get("PORT", "8000"))
EMULATOR_PORT = int(os.environ.get("EMULATOR_PORT", str(PORT + 1)))
HOST = "127.0.0.1"
PORTAL = f"http://{HOST}:{PORT}"
EMULATOR = f"http://{HOST}:{EMULATOR_PORT}"
STATE_DIR = ROOT / ".demo" / "agent"

ENV = {
    **os.environ,
    # Off, as in production: errors show the portal's own pages, never Django's URL list or tracebacks.
    "DEBUG": "false",
    "PORTAL_ENV": "development",
    "PORTAL_BASE_URL": PORTAL,
    "BITBUCKET_CLOUD_WEB_URL": EMULATOR,
    "BITBUCKET_CLOUD_API_URL": EMULATOR,
    # Azure DevOps' three hosts (organizations, profiles, Microsoft Entra ID) are the emulator's /azure.
    "AZURE_DEVOPS_URL": f"{EMULATOR}/azure/dev",
    "AZURE_DEVOPS_PROFILE_URL": f"{EMULATOR}/azure/vssps",
    "MICROSOFT_ENTRA_URL": f"{EMULATOR}/azure/entra",
    # The demo's Bitbucket Server is the emulator on loopback over http.
    "SCM_ALLOW_HTTP_HOSTS": "true",
    "SCM_ALLOW_PRIVATE_HOSTS": "true",
    # Project pages get "Push a commit" / "Delete the hook on the emulator" buttons.
    "DEMO_EMULATOR_URL": EMULATOR,
    "PYTHONUNBUFFERED": "1",
}
# A real Celery worker and beat, as in production, on kombu's filesystem transport under .demo/broker
# (no Redis to run). Beat reads its schedules from the database; the demo runs its sweeps more often.
SWEEP_SECONDS = os.environ.get("DEMO_SWEEP_SECONDS", "30")
VERIFY_SECONDS = os.environ.get("DEMO_VERIFY_SECONDS", "60")
for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL"):  # the embedded default
    ENV.pop(name, None)
ENV.update({
    "CELERY_BROKER_URL": "filesystem://",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    # Verifies of one sweep are spread over 10 s, not 10 minutes, so a revoked token shows within a minute.
    "CONNECTION_VERIFY_SPREAD_SECONDS": "10",
    "CONNECTION_VERIFY_SKIP_SECONDS": "30",
})

children: list[subprocess.Popen] = []


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    return result.stdout or ""


def spawn(*args: str, log: str) -> subprocess.Popen:
    out = open(ROOT / ".demo" / log, "ab")  # noqa: SIM115 - lives as long as the child
    proc = subprocess.Popen([PY, *args], cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT)
    children.append(proc)
    return proc


def wait_for(url: str, proc: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited early; see .demo/*.log")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    sys.exit(f"{what} did not start within {seconds:.0f}s; see .demo/*.log")


def stop(*_args) -> None:
    for proc in reversed(children):
        if proc.poll() is None:
            proc.terminate()
    for proc in children:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    sys.exit(0)


def main() -> None:
    (ROOT / ".demo").mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, stop)
    emulator = spawn(
        "-m", "emulator", "--host", HOST, "--port", str(EMULATOR_PORT), "--seed", "demo", log="emulator.log"
    )
    manage("migrate", "--no-input", "-v0")
    manage("collectstatic", "--no-input", "-v0")
    tenancy = manage("seed_demo", capture=True)
    # The agent's state names the portal it registered with: another PORT means registering again.
    runner_file = STATE_DIR / "runner.json"
    agent_matches = runner_file.exists() and json.loads(runner_file.read_text()).get("portal") == PORTAL
    flags = ["--runner"] if agent_matches else ["--runner", "--new-token"]
    registration = json.loads(manage("seed_demo", *flags, capture=True).strip().splitlines()[-1])
    # ASGI, as in production: the runner agent's long poll waits without holding a thread (portal/asgi.py).
    web = spawn("-m", "uvicorn", "portal.asgi:application", "--host", HOST, "--port", str(PORT), log="web.log")
    wait_for(f"{EMULATOR}/_emulator/state", emulator, "The emulator")
    wait_for(f"{PORTAL}/accounts/login/", web, "The portal", seconds=120)
    if registration["registration_token"]:
        shutil.rmtree(STATE_DIR, ignore_errors=True)
        subprocess.run(
            [
                PY,
                "-m",
                "runners.agent",
                "register",
                "--portal",
                PORTAL,
                "--token",
                registration["registration_token"],
                "--state-dir",
                str(STATE_DIR),
            ],
            cwd=ROOT,
            env=ENV,
            check=True,
        )
    spawn("-m", "runners.agent", "run", "--state-dir", str(STATE_DIR), log="agent.log")
    access = manage("seed_demo", "--access", EMULATOR, capture=True)
    manage("beat_interval", "connections-verify-sweep", VERIFY_SECONDS)
    manage("beat_interval", "webhooks-sweep", SWEEP_SECONDS)
    # One worker process with a few threads: SQLite takes one writer at a time anyway.
    spawn("-m", "celery", "-A", "portal", "worker", "--pool=threads", "--concurrency=4", "-l", "info",
          "--without-heartbeat", "--without-gossip", "--without-mingle", log="worker.log")
    spawn("-m", "celery", "-A", "portal", "beat", "-l", "info", log="beat.log")
    # The outbox relay hands received webhook deliveries to the worker (beat's relay is its safety net).
    spawn("manage.py", "webhooks_relay", log="relay.log")
    print(
        f"""
SCM portal demo is running: {PORTAL}
  emulator:            {EMULATOR}  (Bitbucket Cloud at /, Server at /bbs/bitbucket, GitHub at /github,
                       GitLab at /gitlab, Azure DevOps + Entra ID at /azure)
  runner agent:        acme-aws (state in .demo/agent, log in .demo/agent.log)
  Celery worker + beat: .demo/worker.log, .demo/beat.log (broker: files under .demo/broker, no Redis)
  schedules:           verify sweep every {VERIFY_SECONDS}s, webhook sweep every {SWEEP_SECONDS}s
                       (Django admin → Periodic tasks); delivery relay: .demo/relay.log
{access.rstrip()}
Sign in with:
{tenancy.split("Demo data ready.", 1)[-1].rstrip()}
Django admin: {PORTAL}/admin/   API docs: {PORTAL}/api/docs/
Logs are in .demo/*.log. Press Ctrl-C to stop.
""",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        web.wait()
    stop()


if __name__ == "__main__":
    try:
        main()
    except (subprocess.CalledProcessError, KeyboardInterrupt) as exc:
        for proc in children:
            if proc.poll() is None:
                proc.terminate()
        sys.exit(str(exc) if isinstance(exc, subprocess.CalledProcessError) else 0)
