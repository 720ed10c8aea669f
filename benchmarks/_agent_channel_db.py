"""Portal side of the agent_channel benchmark, run in a subprocess with the benchmark's environment.

    python -m benchmarks._agent_channel_db seed N FILE     -> N registered runners, their credentials in FILE
    python -m benchmarks._agent_channel_db pings COUNT CONCURRENCY SECONDS
        -> {"round_trips_ms": [...], "jobs": n, "seconds": s, "failures": n}: ping jobs to random runners
           through runners.channel (job created -> the agent's answer read), COUNT one after another when
           CONCURRENCY is 1 (stopping after SECONDS), else as many as CONCURRENCY threads manage in SECONDS.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal.models import Organization  # noqa: E402
from portal.services import hash_token  # noqa: E402
from runners import channel  # noqa: E402
from runners.models import Runner  # noqa: E402
from runners.protocol.sealing import SUITE_NAME, generate_private_key, public_key_b64  # noqa: E402


def seed(count: int, path: str) -> dict:
    org = Organization.objects.create(name="Bench", slug="bench")
    public_key = public_key_b64(generate_private_key())  # one key for all: nothing here seals anything
    credentials = [f"rnc_{secrets.token_urlsafe(32)}" for _ in range(count)]
    now = timezone.now()
    Runner.objects.bulk_create([
        Runner(organization=org, name=f"bench-{i:05d}", region="eu-west-1", cloud_provider="aws",
               public_key=public_key, key_suite=SUITE_NAME, key_registered_at=now,
               credential_hash=hash_token(credential), last_seen_at=now)
        for i, credential in enumerate(credentials)
    ], batch_size=500)
    with open(path, "w") as fh:
        fh.write("\n".join(credentials))
    return {"runners": count}


def pings(count: int, concurrency: int, seconds: float) -> dict:
    runners = list(Runner.objects.filter(organization__slug="bench"))
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one() -> None:
        runner = random.choice(runners)
        started = time.monotonic()
        try:
            channel.runner_ping(runner, timeout=10)
        except channel.Unavailable:
            with lock:
                failures[0] += 1
            return
        with lock:
            latencies.append((time.monotonic() - started) * 1000)

    def loop() -> None:
        try:
            while time.monotonic() < deadline:
                one()
        finally:
            connections.close_all()

    started = time.monotonic()
    if concurrency <= 1:
        for _ in range(count):
            if time.monotonic() >= deadline:
                break
            one()
            time.sleep(0.02)  # one at a time, spaced: latency without queueing
    else:
        threads = [threading.Thread(target=loop) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return {"round_trips_ms": latencies, "jobs": len(latencies), "seconds": time.monotonic() - started,
            "failures": failures[0]}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        print(json.dumps(seed(int(sys.argv[2]), sys.argv[3])))
    elif command == "pings":
        print(json.dumps(pings(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))))
