"""Real portal web processes (uvicorn, ASGI) on loopback against this test's PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds: float = 30.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def open_connections_to(url: str) -> int:
    """Connections the server at `url` (on this machine) has not closed yet, from /proc/net/tcp{,6}.

    A server closes a connection only after handling every request on it, so 0 means nothing a
    departed client sent is still being handled: a barrier that needs no sleep.
    """
    port = urlsplit(url).port
    open_states = {"01", "08"}  # ESTABLISHED, CLOSE_WAIT (the client hung up, the server has not yet)
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as fh:
            for line in list(fh)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in open_states:
                    count += 1
    return count


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class PortalProcess:
    """`uvicorn portal.asgi:application` with test settings, on the test database, its log kept for failures."""

    def __init__(self, log_dir: Path, name: str = "web", **settings: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        # PGAPPNAME names this process's database connections, so a test can see when it listens.
        # DATABASE_POOL as gunicorn.conf.py sets it in production: requests borrow pooled connections.
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test", "DATABASE_URL": database_url(),
               "RUNNER_CHANNEL_LINGER_SECONDS": "120", "PORTAL_BASE_URL": self.url, "PGAPPNAME": name,
               "DATABASE_POOL": "true"}
        self.name = name
        env.update({key: str(value) for key, value in settings.items()})
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1",
                 "--port", str(self.port), "--no-access-log", "--timeout-graceful-shutdown", "2"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        if not wait_until(self._answers, 180, 0.1):  # a busy shared machine boots Django slowly
            self.stop()
            raise AssertionError(f"{name} did not start:\n{self.log.read_text()[-3000:]}")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            return True  # exited: reported by the caller's assertion on the log
        try:
            return httpx.get(f"{self.url}/api/runner/v1/me", timeout=1).status_code == 401
        except httpx.HTTPError:
            return False

    def listening(self) -> bool:
        """This process holds its runner-channel LISTEN connection (it started with its first waiting agent)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND application_name = %s AND query = %s", [self.name, "LISTEN runner_channel"])
            return cursor.fetchone()[0] > 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")
