"""verify_sweep: N connections verified by the sweep through real Celery workers, under the per-host cap.

Everything runs on 127.0.0.1 and is started here: a PostgreSQL database of its own (dropped at the end),
a redis-server of its own (broker, and the host-limit semaphore), the Bitbucket emulator with LATENCY_MS
injected on every identity request, and WORKERS Celery worker processes (threads pool, THREADS each: the
pool production runs, see README) with the default cap of 8 requests in flight per provider host. N
Bitbucket Cloud connections, each with its own emulator token, are seeded; the sweep task is queued as
beat would queue it and runs in a worker with no spreading (spread is for production's 15-minute
interval; here the question is whether the cap, not the portal, is the limit), publishing batches of
BATCH connections; the clock stops when every connection has been verified.

Figures: wall_s (sweep queued to last verify), bound_s = N x latency / cap, ratio = wall / bound, verified
(connections verified, from the database), identity_requests (/2.0/user requests the emulator saw: N means
each connection verified exactly once), requests_per_verify (every request the emulator saw under
/2.0/user, per connection: the sweep keeps the git author address on record, so 1.0),
peak_in_flight (the emulator's own count), the workers' peak RSS, SQL statements per
connection, and CPU per connection of the workers and of the emulator (on a shared box the CPU, not the
cap, is what a high ratio is made of; load_avg_1m says how shared). Run at N=1,000 first, then at N
(default 10,000; BENCH_CONNECTIONS to change), to show memory stays flat.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.webhook_ingest import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
N = int(os.environ.get("BENCH_CONNECTIONS", "10000"))
SMALL_N = int(os.environ.get("BENCH_SMALL_CONNECTIONS", "1000"))
LATENCY_MS = 50
CAP = 8
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
BATCH = int(os.environ.get("BENCH_BATCH", "10"))
IDENTITY = r"^/2\.0/user"


class Stack:
    def __init__(self, emit: Callable[[dict], None], n: int) -> None:
        self.emit = emit
        self.n = n
        self.dir = Path(tempfile.mkdtemp(prefix="verify-sweep-"))
        (self.dir / "stats").mkdir()
        self.db_name = f"bench_verify_{os.getpid()}_{n}"
        self.redis_port = free_port()
        self.emulator_port = free_port()
        self.emulator = f"http://127.0.0.1:{self.emulator_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        from cryptography.fernet import Fernet

        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_", "PORTAL_",
                                                                        "CACHE_", "SCM_", "CONNECTION_"))},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_ENV": "development",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db_name}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "SCM_HOST_CONCURRENCY": str(CAP),
            # One sweep with no spreading (production spreads over its 15-minute interval): the question
            # here is whether the cap, not the portal, is the limit.
            "CONNECTION_VERIFY_SPREAD_SECONDS": "0",
            "CONNECTION_VERIFY_BATCH": str(BATCH),
            "SCM_ALLOW_HTTP_HOSTS": "true",
            "SCM_ALLOW_PRIVATE_HOSTS": "true",
            "BITBUCKET_CLOUD_API_URL": self.emulator,
            "BITBUCKET_CLOUD_WEB_URL": self.emulator,
            "LOG_LEVEL": "WARNING",
            "BENCH_STATS_DIR": str(self.dir / "stats"),
            "PYTHONUNBUFFERED": "1",
        }

    def _psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def verified(self) -> int:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.db_name}") as conn:
            return conn.execute("SELECT count(*) FROM integrations_connection WHERE last_verified_at IS NOT NULL "
                                "AND status = 'active'").fetchone()[0]

    def start_sweep(self) -> None:
        """Queue the sweep task, as beat does: it runs in a worker, queueing batches for the others."""
        from celery import Celery

        with Celery(broker=self.env["CELERY_BROKER_URL"]) as app:
            app.send_task("integrations.tasks.connections_verify_sweep")

    def sweep_seconds(self) -> float | None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.db_name}") as conn:
            row = conn.execute("SELECT extract(epoch FROM finished_at - started_at) FROM integrations_sweeprun "
                               "WHERE kind = 'verify' ORDER BY id DESC LIMIT 1").fetchone()
        return round(float(row[0]), 2) if row and row[0] is not None else None

    def control(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.emulator}/_emulator{path}", **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        if not redis_server:
            raise RuntimeError("redis-server is not installed")
        self.processes["redis"] = subprocess.Popen(
            [redis_server, "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes["emulator"] = subprocess.Popen(
            [PY, "-m", "emulator", "--host", "127.0.0.1", "--port", str(self.emulator_port)], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "emulator.log", "ab"))  # noqa: SIM115
        wait_for_port(self.redis_port, 10, self.processes["redis"])
        wait_for_port(self.emulator_port, 30, self.processes["emulator"])
        self.http = httpx.Client(timeout=30)
        self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}"')
        self._psql(f'CREATE DATABASE "{self.db_name}"')
        subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=self.env, check=True,
                       timeout=900)

    def seed(self) -> None:
        self.control("POST", "/cloud/users", json={"username": "alice", "display_name": "Alice Liddell",
                                                   "email": "alice@wonder.example"})
        tokens = [self.control("POST", "/cloud/tokens", json={
            "kind": "oauth", "user": "alice",
            "scopes": ["account", "email", "repository", "repository:write", "pullrequest", "issue"]})["token"]
            for _ in range(self.n)]
        tokens_file = self.dir / "tokens.txt"
        tokens_file.write_text("\n".join(tokens))
        subprocess.run([PY, "-m", "benchmarks._verify_db", "seed", str(self.n), str(tokens_file)], cwd=ROOT,
                       env=self.env, check=True, timeout=900, capture_output=True)
        tokens_file.unlink()

    def start_workers(self) -> None:
        for i in range(WORKERS):
            log = self.dir / f"worker{i}.log"
            self.processes[f"worker{i}"] = subprocess.Popen(
                [PY, "-m", "celery", "-A", "benchmarks._verify_celery", "worker", "--pool=threads",
                 f"--concurrency={THREADS}", "-n", f"bench{i}@%h", "-l", "info", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))  # noqa: SIM115
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(" ready." in (self.dir / f"worker{i}.log").read_text() for i in range(WORKERS)):
                return
            time.sleep(0.2)
        raise RuntimeError("the Celery workers did not start within 120 s")

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        for name in [n for n in self.processes if n.startswith("worker")] + ["emulator", "redis"]:
            self.stop(name)
        with contextlib.suppress(Exception):
            self.http.close()
        with contextlib.suppress(Exception):
            self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(emit: Callable[[dict], None], n: int) -> dict:
    stack = Stack(emit, n)
    try:
        stack.start()
        stack.seed()
        emit({"step": "seeded", "connections": n})
        stack.control("POST", "/faults", json={"path": IDENTITY, "kind": "latency", "delay_ms": LATENCY_MS})
        stack.start_workers()
        stack.control("DELETE", "/requests")
        started = time.monotonic()
        stack.start_sweep()
        bound = n * LATENCY_MS / 1000 / CAP
        deadline = started + max(600.0, bound * 6)
        verified = 0
        while time.monotonic() < deadline:
            verified = stack.verified()
            if verified >= n:
                break
            time.sleep(0.5)
        wall = time.monotonic() - started
        sweep_s = stack.sweep_seconds()
        concurrency = stack.control("GET", "/concurrency")
        emulator_cpu_s = process_cpu_seconds(stack.processes["emulator"].pid)
        user_requests = len(stack.control("GET", "/requests", params={"path": r"^/2\.0/user$"}))
        all_requests = len(stack.control("GET", "/requests", params={"path": IDENTITY}))
        for name in [name for name in stack.processes if name.startswith("worker")]:
            stack.stop(name)  # warm shutdown: each worker writes its stats
        stats = [json.loads(p.read_text()) for p in (stack.dir / "stats").glob("*.json")]
        # Every process that counted (the workers and the sweep): SQL statements, and the largest RSS.
        queries = sum(s["queries"] for s in stats)
        worker_cpu_s = sum(s.get("cpu_s", 0) for s in stats)
        peak_rss_mb = max((s["peak_rss_kb"] for s in stats), default=0) / 1024
        figures = {
            "connections": n, "latency_ms": LATENCY_MS, "cap": CAP, "workers": f"{WORKERS}x{THREADS} threads",
            "wall_s": round(wall, 1), "bound_s": round(bound, 1), "ratio": round(wall / bound, 2),
            "verified": verified, "identity_requests": user_requests,
            "requests_per_verify": round(all_requests / n, 2),
            "peak_in_flight": concurrency["peak"], "peak_rss_mb": round(peak_rss_mb, 1),
            "queries_per_connection": round(queries / n, 1), "sweep_s": sweep_s, "batch": BATCH,
            # Where the CPU went (user + system seconds): the workers, and the emulator answering them.
            "worker_cpu_ms_per_connection": round(worker_cpu_s * 1000 / n, 1),
            "emulator_cpu_ms_per_connection": round(emulator_cpu_s * 1000 / n, 1),
            "load_avg_1m": round(os.getloadavg()[0], 1), "cores": os.cpu_count(),
        }
        emit({"run": n, **figures})
        return figures
    finally:
        stack.close()


def main(emit: Callable[[dict], None]) -> dict:
    small = run(emit, SMALL_N)
    big = run(emit, N)
    return {
        **big,
        "peak_rss_mb_at_small": small["peak_rss_mb"], "small_connections": SMALL_N,
        "rss_growth": round(big["peak_rss_mb"] / small["peak_rss_mb"] - 1, 3) if small["peak_rss_mb"] else None,
        "target": "ratio <= 1.3; verified == identity_requests == connections; peak_in_flight <= cap; "
                  "peak RSS at N within 10% of that at 1,000",
        "met": {
            "ratio": big["ratio"] <= 1.3,
            "exactly_once": big["verified"] == big["identity_requests"] == big["connections"],
            "cap": big["peak_in_flight"] <= CAP,
            "flat_memory": bool(small["peak_rss_mb"]) and big["peak_rss_mb"] <= small["peak_rss_mb"] * 1.1,
        },
    }
