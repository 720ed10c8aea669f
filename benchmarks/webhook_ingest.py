"""webhook_ingest: how fast the receiver accepts signed deliveries, and that a Redis outage loses nothing.

Everything runs on 127.0.0.1 and is started here: a PostgreSQL database of its own (dropped at the end),
a redis-server of its own on a free port (stopped and started again in the outage run; the shared Redis
is never touched), gunicorn with production settings (the production command, `gunicorn -c gunicorn.conf.py`:
2 uvicorn workers; BENCH_SERVER=gthread runs the earlier WSGI command, 2 workers x 8 threads, to compare),
and for the outage run a Celery worker with beat and the `webhooks_relay` loop. The web tier runs alone
for the peak and latency runs: relay and workers are the processing tier, on other machines in
production (here they would compete for the same two cores). The load generator is an asyncio
HTTP/1.1 client with keep-alive connections, posting Bitbucket Server `repo:refs_changed` deliveries,
each with a unique X-Request-Id and its own HMAC signature.

1. Peak: closed loop with CONNECTIONS connections for PEAK_SECONDS against a Django view that answers
   204 (same server, same middleware, same body), then against the receiver -> trivial_per_s,
   deliveries_per_s, ratio.
2. Half load: an open loop at half the measured peak for HALF_SECONDS; latency counted from the moment
   each request was due (no coordinated omission) -> p50_ms, p99_ms.
3. Outage (worker, beat and relay running): an open loop at OUTAGE_RATE/s for OUTAGE_SECONDS; Redis is
   stopped at OUTAGE_START and started again at OUTAGE_END; every 20th request is a provider's retry of
   the previous delivery. Then wait (bounded) for the relay and the worker -> accepted (unique
   deliveries answered 2xx), processed, duplicates (deliveries processed more than once), errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._http_load import GTHREAD_COMMAND, closed_loop, open_loop, percentile

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CONNECTIONS = 16
# "asgi": the production command (gunicorn.conf.py); "gthread": the WSGI command it replaced, whose shape
# BENCH_GUNICORN sets ("-w 4 --threads 4" tries another).
SERVER = os.environ.get("BENCH_SERVER", "asgi")
GUNICORN_WORKERS = os.environ.get("BENCH_GUNICORN", "--threads 8 -w 2").split()
WARMUP_SECONDS = 2.0
PEAK_SECONDS = 8.0
HALF_SECONDS = 10.0
OUTAGE_RATE = 100
OUTAGE_SECONDS = 12.0
OUTAGE_START, OUTAGE_END = 3.0, 7.0
DRAIN_SECONDS = 300.0
BODY_TEMPLATE = json.loads((ROOT / "tests/reference/bitbucket/payloads/api/server-repo-refs_changed.json").read_text())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited early")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds}s")


class Stack:
    """The processes and the database of one benchmark run; `close()` removes them all."""

    def __init__(self, emit: Callable[[dict], None]) -> None:
        self.emit = emit
        self.dir = Path(tempfile.mkdtemp(prefix="webhook-ingest-"))
        self.db_name = f"bench_webhook_{os.getpid()}"
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        from cryptography.fernet import Fernet

        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_", "PORTAL_"))},
            "DJANGO_SETTINGS_MODULE": "benchmarks._webhook_settings",
            "PORTAL_ENV": "production",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback: TLS ends at the balancer in production
            "SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db_name}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            # Production needs a shared cache (sign-in limits); the outage stops it with the broker.
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "LOG_LEVEL": "WARNING",
            "WEBHOOK_RELAY_SECONDS": "2",
            "WEBHOOK_REQUEUE_AFTER_SECONDS": "30",
            "PYTHONUNBUFFERED": "1",
        }

    # --- pieces ---------------------------------------------------------------------------------

    def _psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self) -> None:
        self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}"')
        self._psql(f'CREATE DATABASE "{self.db_name}"')
        subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=self.env, check=True,
                       timeout=600)

    def counts(self, prefix: str) -> dict:
        """Like `_webhook_db counts`, straight from PostgreSQL (a Django process per look is slow under load)."""
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.db_name}") as conn:
            rows, processed, duplicates = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = 'processed'), "
                "coalesce(sum(runs - 1) FILTER (WHERE runs > 1), 0) "
                "FROM projects_webhookdelivery WHERE delivery_id LIKE %s", (prefix + "%",)).fetchone()
        return {"rows": rows, "processed": processed, "duplicates": int(duplicates)}

    def db(self, *args: str) -> dict:
        done = subprocess.run([PY, "-m", "benchmarks._webhook_db", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=300)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_redis(self) -> None:
        redis_server = shutil.which("redis-server")
        if not redis_server:
            raise RuntimeError("redis-server is not installed")
        # Append-only file, as a production broker keeps one: a stop and start keeps queued messages.
        self.processes["redis"] = subprocess.Popen(
            [redis_server, "--bind", "127.0.0.1", "--port", str(self.redis_port), "--dir", str(self.dir),
             "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.redis_port, 10, self.processes["redis"])

    def stop_redis(self) -> None:
        self._stop("redis")

    def flush_redis(self) -> None:
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(64)

    def start_web(self) -> None:
        if SERVER == "gthread":
            command = [*GTHREAD_COMMAND, *GUNICORN_WORKERS, "--keep-alive", "30",
                       "-b", f"127.0.0.1:{self.web_port}"]
        else:
            command = ["-c", "gunicorn.conf.py"]
        env = {**self.env, "BIND": f"127.0.0.1:{self.web_port}", "WEB_CONCURRENCY": "2"}
        self.processes["web"] = subprocess.Popen(
            [PY, "-m", "gunicorn", *command, "--log-level", "warning"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "web.log", "ab"))  # noqa: SIM115
        wait_for_port(self.web_port, 60, self.processes["web"])

    def start_worker(self) -> None:
        self.processes["worker"] = subprocess.Popen(
            [PY, "-m", "celery", "-A", "portal", "worker", "-B", "-s", str(self.dir / "beat-schedule"), "-c", "2",
             "-l", "warning", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.dir / "worker.log", "ab"))  # noqa: SIM115

    def start_relay(self) -> None:
        self.processes["relay"] = subprocess.Popen(
            [PY, "manage.py", "webhooks_relay"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "relay.log", "ab"))  # noqa: SIM115

    def _stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        for name in ("relay", "worker", "web", "redis"):
            self._stop(name)
        with contextlib.suppress(Exception):
            self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the load generator ---------------------------------------------------------------------------


class Delivery:
    """Signed requests with unique delivery ids (and commits), built ahead of sending."""

    def __init__(self, port: int, project_uuid: str, secret: str, prefix: str) -> None:
        self.host = f"127.0.0.1:{port}"
        self.path = f"/hooks/bitbucket/{project_uuid}/"
        self.secret = secret.encode()
        self.prefix = prefix
        self.count = 0

    def next(self) -> tuple[bytes, str]:
        self.count += 1
        delivery_id = f"{self.prefix}-{self.count:07d}"
        body = dict(BODY_TEMPLATE)
        commit = hashlib.sha1(delivery_id.encode()).hexdigest()  # noqa: S324 - a made-up commit id
        body["changes"] = [{**BODY_TEMPLATE["changes"][0], "toHash": commit}]
        raw = json.dumps(body).encode()
        signature = "sha256=" + hmac.new(self.secret, raw, hashlib.sha256).hexdigest()
        return self.request(raw, {"X-Event-Key": "repo:refs_changed", "X-Request-Id": delivery_id,
                                  "X-Hub-Signature": signature}), delivery_id

    def request(self, raw: bytes, headers: dict[str, str], path: str | None = None) -> bytes:
        lines = [f"POST {path or self.path} HTTP/1.1", f"Host: {self.host}", "Content-Type: application/json",
                 f"Content-Length: {len(raw)}", "User-Agent: Bitbucket version: 8.19.1, Post webhook plugin",
                 *(f"{k}: {v}" for k, v in headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


# --- the benchmark --------------------------------------------------------------------------------


def main(emit: Callable[[dict], None]) -> dict:
    stack = Stack(emit)
    try:
        return _run(stack, emit)
    finally:
        stack.close()


def _run(stack: Stack, emit: Callable[[dict], None]) -> dict:
    stack.start_redis()
    stack.create_database()
    project = stack.db("seed")
    stack.start_web()
    port = stack.web_port
    emit({"step": "ready", "web": f"127.0.0.1:{port}", "redis": stack.redis_port, "database": stack.db_name})

    peak = Delivery(port, project["uuid"], project["secret"], "peak")
    trivial_body = json.dumps(BODY_TEMPLATE).encode()
    trivial = lambda: peak.request(trivial_body, {"X-Event-Key": "repo:refs_changed"}, path="/bench/noop/")  # noqa: E731
    asyncio.run(closed_loop(port, trivial, WARMUP_SECONDS, CONNECTIONS))
    asyncio.run(closed_loop(port, lambda: peak.next()[0], WARMUP_SECONDS, CONNECTIONS))
    trivial_run = asyncio.run(closed_loop(port, trivial, PEAK_SECONDS, CONNECTIONS))
    emit({"step": "trivial_peak", **trivial_run})
    receiver_run = asyncio.run(closed_loop(port, lambda: peak.next()[0], PEAK_SECONDS, CONNECTIONS))
    emit({"step": "deliveries_peak", **receiver_run})
    for name, run, status in (("trivial", trivial_run, 204), ("receiver", receiver_run, 202)):
        # A rate of redirects or errors is no figure (a production setting once answered every request 301).
        if run["statuses"].get(status, 0) < run["requests"] * 0.99:
            raise RuntimeError(f"the {name} run was not answered {status}: {run['statuses']}")

    half_rate = max(1.0, receiver_run["per_s"] / 2)
    half = Delivery(port, project["uuid"], project["secret"], "half")
    half_run = asyncio.run(open_loop(port, half.next, half_rate, HALF_SECONDS, CONNECTIONS))
    latencies = [r[0] * 1000 for r in half_run["results"] if r[1] == 202]
    half_figures = {"rate": half_rate, "requests": len(half_run["results"]), "ok": len(latencies),
                    "p50_ms": round(percentile(latencies, 0.50), 1), "p99_ms": round(percentile(latencies, 0.99), 1)}
    emit({"step": "half_load", **half_figures})

    # The outage run starts clean: earlier deliveries are never processed (no worker ran) and are forgotten.
    stack.db("forget")
    stack.flush_redis()
    stack.start_worker()
    stack.start_relay()
    outage = Delivery(port, project["uuid"], project["secret"], "outage")
    calls = itertools.count(1)
    sent: list[bytes] = []

    def make() -> tuple[bytes, str]:
        if next(calls) % 20 == 0 and sent:
            return sent[-1], "replay"  # every 20th request: the provider's retry of a delivery it already sent
        data, delivery_id = outage.next()
        sent.append(data)
        return data, delivery_id

    outage_run = asyncio.run(open_loop(port, make, OUTAGE_RATE, OUTAGE_SECONDS, CONNECTIONS, events={
        OUTAGE_START: lambda: (stack.stop_redis(), emit({"step": "redis_stopped"})),
        OUTAGE_END: lambda: (stack.start_redis(), emit({"step": "redis_started"})),
    }))
    results = outage_run["results"]
    accepted_ids = {r[2] for r in results if r[2] != "replay" and 200 <= r[1] < 300}
    errors = sum(1 for r in results if not 200 <= r[1] < 300)
    during = [r[0] * 1000 for r in results]
    emit({"step": "outage_sent", "requests": len(results), "accepted": len(accepted_ids), "errors": errors,
          "replays": sum(1 for r in results if r[2] == "replay"), "max_ms": round(max(during), 1)})
    drain_started = time.monotonic()
    counts = stack.counts("outage")
    while counts["processed"] < len(accepted_ids) and time.monotonic() < drain_started + DRAIN_SECONDS:
        time.sleep(2)
        counts = stack.counts("outage")
        emit({"step": "draining", **counts})
    drained_s = round(time.monotonic() - drain_started, 1)

    return {
        "deliveries_per_s": receiver_run["per_s"],
        "trivial_per_s": trivial_run["per_s"],
        "ratio": round(receiver_run["per_s"] / trivial_run["per_s"], 2),
        "p50_ms": half_figures["p50_ms"],
        "p99_ms": half_figures["p99_ms"],
        "half_load_per_s": half_rate,
        "accepted": len(accepted_ids),
        "stored": counts["rows"],
        "processed": counts["processed"],
        "duplicates": counts["duplicates"],
        "drained_in_s": drained_s,
        "outage_errors": errors,
        "outage_max_ms": round(max(during), 1),
        "connections": CONNECTIONS,
        "server": SERVER,
        "cpus": os.cpu_count(),
    }
