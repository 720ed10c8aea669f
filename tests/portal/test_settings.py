"""Production refuses to start on unsafe settings; secrets can come from files.

Each case starts a fresh interpreter with a crafted environment (nothing inherited from the
test settings), imports the settings and prints what they resolved to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from portal.settings import DEMO_ENCRYPTION_KEY, DEMO_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "s" * 24 + "-a-real-production-secret-key-of-50-chars"
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({'secret': settings.SECRET_KEY, 'keys': settings.PORTAL_ENCRYPTION_KEYS, "
    "'debug': settings.DEBUG}))"
)


def start(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        # Keep the embedded default database out of the source tree.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **environ,
    }
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)


def production(**overrides: str) -> dict[str, str]:
    env = {"PORTAL_ENV": "production", "SECRET_KEY": GOOD_SECRET,
           "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "ALLOWED_HOSTS": "portal.example",
           "CACHE_URL": "redis://127.0.0.1:6379/14"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None and v != "<unset>"}


def assert_refused(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr[-2000:]
    assert words in result.stderr, result.stderr[-2000:]


def test_production_starts_with_safe_settings(tmp_path):
    key, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    result = start(tmp_path, **production(PORTAL_ENCRYPTION_KEYS=f"{key}, {older}"))
    assert result.returncode == 0, result.stderr[-2000:]
    resolved = json.loads(result.stdout)
    assert resolved["secret"] == GOOD_SECRET and resolved["debug"] is False
    assert resolved["keys"] == [key, older]


def test_production_refuses_debug(tmp_path):
    assert_refused(start(tmp_path, **production(DEBUG="true")), "DEBUG must be off")


@pytest.mark.parametrize("secret", ["<unset>", DEMO_SECRET_KEY, "short-key"])
def test_production_refuses_the_demo_or_a_weak_secret_key(tmp_path, secret):
    assert_refused(start(tmp_path, **production(SECRET_KEY=secret)), "SECRET_KEY")


@pytest.mark.parametrize("keys", ["<unset>", "", " , ", DEMO_ENCRYPTION_KEY])
def test_production_refuses_a_missing_or_demo_key_ring(tmp_path, keys):
    assert_refused(start(tmp_path, **production(PORTAL_ENCRYPTION_KEYS=keys)), "PORTAL_ENCRYPTION_KEYS")


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_malformed_key_ring_is_refused_at_start(tmp_path, env):
    good = Fernet.generate_key().decode()
    result = start(tmp_path, **production(PORTAL_ENV=env, PORTAL_ENCRYPTION_KEYS=f"{good},not-a-fernet-key"))
    assert_refused(result, "PORTAL_ENCRYPTION_KEYS must be comma-separated Fernet keys")
    assert "not-a-fernet-key" not in result.stderr.split("ImproperlyConfigured")[-1]


def test_an_unknown_environment_name_is_refused(tmp_path):
    assert_refused(start(tmp_path, PORTAL_ENV="prod"), "PORTAL_ENV must be")


def test_secret_key_file_is_read_and_stripped(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(GOOD_SECRET + "\n")
    result = start(tmp_path, **production(SECRET_KEY="<unset>", SECRET_KEY_FILE=str(secret_file)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["secret"] == GOOD_SECRET


def test_secret_key_file_wins_over_the_variable(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(GOOD_SECRET)
    result = start(tmp_path, **production(SECRET_KEY=DEMO_SECRET_KEY, SECRET_KEY_FILE=str(secret_file)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["secret"] == GOOD_SECRET


def test_an_unreadable_secret_key_file_is_refused(tmp_path):
    result = start(tmp_path, **production(SECRET_KEY="<unset>", SECRET_KEY_FILE=str(tmp_path / "missing")))
    assert_refused(result, "SECRET_KEY_FILE")


def test_the_key_ring_can_come_from_a_file(tmp_path):
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    ring = tmp_path / "keys"
    ring.write_text(",".join(keys) + "\n")
    result = start(tmp_path, **production(PORTAL_ENCRYPTION_KEYS="<unset>", PORTAL_ENCRYPTION_KEYS_FILE=str(ring)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["keys"] == keys


def test_development_falls_back_to_the_demo_values(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    resolved = json.loads(result.stdout)
    assert resolved["secret"] == DEMO_SECRET_KEY and resolved["keys"] == [DEMO_ENCRYPTION_KEY]
