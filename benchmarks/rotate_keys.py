"""Key rotation: `manage.py rotate_encryption_keys` over 10,000 runner jobs (15,000 values) on a scratch
PostgreSQL database, with the default batch size; then a second run, which finds everything current."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 10_000
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")

SEED = """
import django; django.setup()
from datetime import timedelta
from django.utils import timezone
from portal.crypto import encrypt_str
from portal.models import Organization
from runners.models import Runner, RunnerJob
org = Organization.objects.create(name="Bench", slug="bench")
runner = Runner.objects.create(organization=org, name="bench")
at = timezone.now() + timedelta(hours=1)
RunnerJob.objects.bulk_create([
    RunnerJob(runner=runner, kind="b", payload_encrypted=encrypt_str(f"p{i}"),
              result_encrypted=encrypt_str(f"r{i}") if i % 2 else "", expires_at=at)
    for i in range(ROWS)], batch_size=2000)
"""


def _run(args: list[str], env: dict) -> tuple[str, float]:
    started = time.monotonic()
    # Our own manage.py and scripts, with arguments built here.
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=900, check=True)
    return done.stdout, time.monotonic() - started


def main(emit) -> dict:
    from cryptography.fernet import Fernet

    name = f"bench_rotate_{os.getpid()}"
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_ENV": "development",
           "DATABASE_URL": f"{ADMIN_URL}/{name}", "PYTHONUNBUFFERED": "1"}
    env.pop("CACHE_URL", None)
    admin = "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute(sys.argv[2])"
    _run(["-c", admin, f"{ADMIN_URL}/postgres", f"CREATE DATABASE {name}"], env)
    try:
        _run(["manage.py", "migrate", "-v0"], env)
        _run(["-c", SEED.replace("ROWS", str(ROWS))], {**env, "PORTAL_ENCRYPTION_KEYS": old})
        ring = {**env, "PORTAL_ENCRYPTION_KEYS": f"{new},{old}"}
        out, elapsed = _run(["manage.py", "rotate_encryption_keys"], ring)
        rotated = int(re.search(r"Done: (\d+) re-encrypted", out)[1])
        emit({"rows": ROWS, "values": rotated, "seconds": round(elapsed, 1)})
        again, rerun = _run(["manage.py", "rotate_encryption_keys"], ring)
        current = int(re.search(r"(\d+) already were", again)[1])
        return {"values_rotated": rotated, "rotate_s": round(elapsed, 1), "values_per_s": round(rotated / elapsed),
                "rerun_s": round(rerun, 1), "rerun_found_current": current}
    finally:
        _run(["-c", admin, f"{ADMIN_URL}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], env)
