"""Sign-in limits are shared by every process and keyed by account as well as address (finding F4).

The counters lived in each process's memory (4 gunicorn workers evaluated 20 of 40 guesses; a restart reset
them), and one address's failures locked out everyone behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"


def attempt(email: str, password: str, address: str = "127.0.0.1", client: Client | None = None) -> tuple[bool, str]:
    client = client or Client()
    # allauth keys the per-account counter by site (the Host) and email: one Host for every process here.
    response = client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=address, HTTP_HOST="localhost")
    return "_auth_user_id" in client.session, response.content.decode()


def attempt_in_another_process(email: str, password: str) -> dict:
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"]}
    done = subprocess.run([sys.executable, "-m", "tests.security.login_attempt", email, password], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_failures_counted_in_one_process_lock_the_account_in_another(world):
    for _ in range(5):
        assert attempt(world.a.owner.email, "wrong-password-123")[0] is False
    other = attempt_in_another_process(world.a.owner.email, DEMO_PASSWORD)
    assert other == {"status": 200, "signed_in": False, "too_many": True}


@pytest.mark.django_db
def test_the_account_stays_locked_from_another_address(world):
    for _ in range(5):
        attempt(world.a.owner.email, "wrong-password-123", address="198.51.100.7")
    signed_in, page = attempt(world.a.owner.email, DEMO_PASSWORD, address="203.0.113.9")
    assert not signed_in and "Too many failed login attempts" in page


@pytest.mark.django_db
def test_others_behind_the_same_address_can_still_sign_in(world):
    """Eleven mistyped sign-ins from one office address (other people's) do not lock out a colleague."""
    for n in range(11):
        attempt(f"colleague{n}@acme.example", "wrong-password-123", address="192.0.2.10")
    signed_in, _ = attempt(world.a.member.email, DEMO_PASSWORD, address="192.0.2.10")
    assert signed_in


@pytest.mark.django_db
def test_the_cache_is_redis_wherever_one_is_configured():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
