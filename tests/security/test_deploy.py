"""Production defaults (finding F10): `manage.py check --deploy` is clean with PORTAL_ENV=production, HSTS
and the https redirect are on unless an operator turns them off, and a missing shared cache stops the start."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "ALLOWED_HOSTS": "portal.example.com",
        "PORTAL_BASE_URL": "https://portal.example.com",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v != ""}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def settings_in(env: dict[str, str]) -> dict:
    names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE",
             "CSRF_COOKIE_SECURE")
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}} | "
            "{'cache': s.CACHES['default']['BACKEND']}))")
    done = run(["-c", code], {**env, "DJANGO_SETTINGS_MODULE": "portal.settings"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_check_deploy_is_clean_in_production():
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_https_is_enforced_by_default_in_production():
    values = settings_in(production_env())
    assert values == {"SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000,
                      "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SESSION_COOKIE_SECURE": True,
                      "CSRF_COOKIE_SECURE": True, "cache": "django.core.cache.backends.redis.RedisCache"}


def test_an_operator_behind_a_redirecting_proxy_can_turn_the_redirect_off():
    values = settings_in(production_env(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="600"))
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 600


def test_production_without_a_shared_cache_does_not_start():
    done = run(["manage.py", "check"], production_env(CACHE_URL=""))
    assert done.returncode != 0
    assert "Set CACHE_URL (or REDIS_URL)" in done.stderr


def test_redis_url_serves_as_the_cache_too():
    values = settings_in(production_env(CACHE_URL="", REDIS_URL="redis://127.0.0.1:6379/14"))
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
