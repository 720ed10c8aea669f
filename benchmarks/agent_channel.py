"""agent_channel: what connected runner agents cost while idle, and how fast a job travels through them.

Everything runs on 127.0.0.1 and is started here: a PostgreSQL database of its own (dropped at the end),
N runners each with its own credential, a portal, and N simulated agents (benchmarks/_agent_swarm.py:
one asyncio process, one connection per agent, the real agent's wire behaviour).

Two runs, the same measurements:
- before: the pre-notification channel (RUNNER_CHANNEL_LEGACY_POLLING, a database look every 0.5 s per
  waiting agent and per waiting portal caller) under the previous production command (gunicorn gthread,
  2 workers x 8 threads). One thread per waiting agent: it holds BEFORE_AGENTS (16) agents, no more.
- after: this channel (notifications, async long poll) under gunicorn.conf.py (uvicorn workers), N agents.
Each: warm up, then IDLE_SECONDS of nothing (queries/s from pg_stat_database's transaction counters,
CPU and RSS of the web processes from /proc), then ping jobs to random runners from a separate portal
process: ROUND_TRIPS one at a time (job created -> answer read: p50/p99), then CONCURRENCY callers for
THROUGHPUT_SECONDS (jobs/s).

Environment: AGENTS (1000), WEB_PROCESSES (2), BEFORE_AGENTS (16), IDLE_SECONDS (30).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._http_load import GTHREAD_COMMAND, percentile

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
AGENTS = int(os.environ.get("AGENTS", "1000"))
WEB_PROCESSES = int(os.environ.get("WEB_PROCESSES", "2"))
BEFORE_AGENTS = int(os.environ.get("BEFORE_AGENTS", "16"))
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "30"))
WAIT = 20.0
# Past every agent's first heartbeat, so the idle window is the steady state: an agent heartbeats before
# the first poll that starts 30 s after its last one, i.e. by about 42 s with 20 s polls, and each first
# heartbeat writes its agent version once. PostgreSQL's transaction counters then lag by up to 10 s (a
# backend reports them when idle): with 35 s, a third of the fleet's first heartbeats counted as "idle".
SETTLE_SECONDS = 60.0
ROUND_TRIPS = 200
ROUND_TRIP_SECONDS = 90.0  # the old channel under a loaded machine may not manage 200 in reasonable time
CONCURRENCY = 8
THROUGHPUT_SECONDS = 15.0
TARGETS = {"idle_queries_per_s": 5, "job_round_trip_p99_ms": 100, "rss_mb_per_100_agents": 20}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited early")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds}s")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def process_tree(pid: int) -> list[int]:
    found = [pid]
    for child in _children(pid):
        found.extend(process_tree(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


class Run:
    def __init__(self, emit: Callable[[dict], None], *, legacy: bool, agents: int) -> None:
        from cryptography.fernet import Fernet

        self.emit, self.legacy, self.agents = emit, legacy, agents
        self.dir = Path(tempfile.mkdtemp(prefix="agent-channel-"))
        self.db_name = f"bench_agent_channel_{os.getpid()}"
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_", "PORTAL_", "RUNNER_"))},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_ENV": "production", "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
            "SECRET_KEY": secrets.token_urlsafe(48), "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db_name}",
            # Room for every agent's entries (production uses Redis): at locmem's default 300, the
            # per-address trail missed and queried on every poll.
            "CACHE_URL": "locmemcache://?max_entries=100000",
            "CELERY_BROKER_URL": "memory://", "ALLOWED_HOSTS": "127.0.0.1",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.port}", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            "RUNNER_CHANNEL_LEGACY_POLLING": "true" if legacy else "false",
            "WEB_CONCURRENCY": str(WEB_PROCESSES), "BIND": f"127.0.0.1:{self.port}",
        }

    def _sql(self, sql: str, params: tuple = ()) -> list:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def transactions(self) -> int:
        """Every statement the portal runs outside a transaction is one; a transaction counts once."""
        (row,) = self._sql("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                           (self.db_name,))
        return int(row[0])

    def setup(self) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{self.db_name}"')
        self._sql(f'CREATE DATABASE "{self.db_name}"')
        subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=self.env, check=True,
                       timeout=900)
        self.portal_side("seed", str(self.agents), str(self.dir / "credentials"))

    def portal_side(self, *args: str) -> dict:
        done = subprocess.run([PY, "-m", "benchmarks._agent_channel_db", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_web(self) -> None:
        if self.legacy:
            command = [PY, "-m", "gunicorn", *GTHREAD_COMMAND, "--threads", "8", "-w", str(WEB_PROCESSES),
                       "-b", f"127.0.0.1:{self.port}", "--keep-alive", "75"]
        else:
            command = [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        self.processes["web"] = subprocess.Popen(
            [*command, "--log-level", "warning"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "web.log", "ab"))  # noqa: SIM115
        wait_for_port(self.port, 120, self.processes["web"])
        # Load every worker's code before the baseline, so the RSS difference is the agents'.
        import httpx

        for _ in range(WEB_PROCESSES * 4):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{self.port}/api/runner/v1/jobs/next", timeout=10)

    def start_agents(self) -> None:
        self.processes["agents"] = process = subprocess.Popen(
            [PY, "-m", "benchmarks._agent_swarm", str(self.port), str(self.dir / "credentials"), f"{WAIT:g}"],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=open(self.dir / "agents.log", "ab"), text=True)  # noqa: SIM115
        line = process.stdout.readline()
        if not line.startswith('{"started"'):
            raise RuntimeError(f"the agents did not start: {line!r}")

    def web_pids(self) -> list[int]:
        return process_tree(self.processes["web"].pid)

    def measure(self) -> dict:
        self.setup()
        self.start_web()
        time.sleep(2)
        base_rss = rss_mb(self.web_pids())
        self.start_agents()
        time.sleep(SETTLE_SECONDS)  # every agent authenticated and waiting; first pulses written
        pids = self.web_pids()
        cpu0, tx0, t0 = cpu_seconds(pids), self.transactions(), time.monotonic()
        time.sleep(IDLE_SECONDS)
        cpu1, tx1, t1 = cpu_seconds(pids), self.transactions(), time.monotonic()
        rss = rss_mb(pids)
        figures = {
            "agents": self.agents, "web_processes": WEB_PROCESSES,
            "idle_queries_per_s": round((tx1 - tx0) / (t1 - t0), 1),
            "idle_cpu_pct": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
            "rss_mb_per_100_agents": round(max(rss - base_rss, 0) / self.agents * 100, 1),
            "web_rss_mb": round(rss, 1),
        }
        serial = self.portal_side("pings", str(ROUND_TRIPS), "1", str(ROUND_TRIP_SECONDS))
        figures["round_trips"] = len(serial["round_trips_ms"])
        latencies = sorted(serial["round_trips_ms"])
        figures["job_round_trip_p50_ms"] = round(percentile(latencies, 0.5), 1) if latencies else None
        figures["job_round_trip_p99_ms"] = round(percentile(latencies, 0.99), 1) if latencies else None
        busy = self.portal_side("pings", "0", str(CONCURRENCY), str(THROUGHPUT_SECONDS))
        figures["jobs_per_s"] = round(busy["jobs"] / busy["seconds"], 1)
        figures["failed_jobs"] = serial["failures"] + busy["failures"]
        figures["load_avg_1m"] = round(os.getloadavg()[0], 1)  # the machine is shared: context for the timings
        return figures

    def close(self) -> None:
        for name in ("agents", "web"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        with contextlib.suppress(Exception):
            self._sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def _run(emit, *, legacy: bool, agents: int) -> dict:
    run = Run(emit, legacy=legacy, agents=agents)
    try:
        return run.measure()
    finally:
        run.close()


def main(emit: Callable[[dict], None]) -> dict:
    before = _run(emit, legacy=True, agents=BEFORE_AGENTS)
    emit({"bench": "agent_channel", "run": "before (polling, gthread 2x8)", **before,
          "idle_queries_per_s_per_agent": round(before["idle_queries_per_s"] / before["agents"], 2)})
    after = _run(emit, legacy=False, agents=AGENTS)
    emit({"bench": "agent_channel", "run": "after (notifications, async long poll)", **after,
          "idle_queries_per_s_per_agent": round(after["idle_queries_per_s"] / after["agents"], 4)})
    met = {name: after.get(name) is not None and after[name] < bound for name, bound in TARGETS.items()}
    return {**after, "before": {k: before[k] for k in ("agents", "idle_queries_per_s", "idle_cpu_pct",
                                                      "rss_mb_per_100_agents", "job_round_trip_p50_ms",
                                                      "job_round_trip_p99_ms", "jobs_per_s")},
            "target": {f"{name}_below": bound for name, bound in TARGETS.items()}, "met": met}
