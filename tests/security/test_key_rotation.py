"""`manage.py rotate_encryption_keys`: every value encrypted with the key ring ends up under the newest key;
a kill midway loses nothing and a second run finishes the job; values no key opens are reported, untouched."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from integrations.models import Connection, ScmIntegration
from portal.crypto import encrypt_str
from portal.encrypted_columns import encrypted_columns
from runners.models import RunnerJob
from tests.factories import TOTP_SECRET, give_totp
from tests.runners.conftest import register_runner

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))
ROWS = 10_000
PROGRESS = re.compile(r"\] +[\d.]+% (\d+)/(\d+) values")
DONE = re.compile(r"Done: (\d+) re-encrypted under the newest key, (\d+) already were, (\d+) could not be opened")


def command(ring: str, *args: str) -> list[str] | dict:
    db = connection.settings_dict
    env = {**os.environ, "PORTAL_ENCRYPTION_KEYS": ring, "PYTHONUNBUFFERED": "1",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    return {"args": [sys.executable, "manage.py", "rotate_encryption_keys", *args], "cwd": ROOT, "env": env}


def every_value() -> dict[str, str]:
    """label -> ciphertext, for every encrypted value in the database."""
    values = {}
    for column in encrypted_columns():
        for pk, value in column.model._default_manager.values_list("pk", column.field):
            token = value.get(column.json_key) if column.json_key and isinstance(value, dict) else \
                (None if column.json_key else value)
            if token:
                values[f"{column.label}:{pk}"] = token
    return values


def opened_with(keys: list[str], token: str) -> str | None:
    for key in keys:
        try:
            return Fernet(key).decrypt(token.encode()).decode()
        except InvalidToken:
            continue
    return None


@pytest.fixture
def old_key(settings):
    settings.PORTAL_ENCRYPTION_KEYS = [OLD]


@pytest.fixture
def encrypted_rows(world, old_key):
    """10,000 runner jobs (payload and, for half, a result), a connection's tokens and an authenticator's
    secret, all under the old key. Returns what each value must still say afterwards."""
    runner = register_runner(world.a.org, world.a.admin).runner
    expires = timezone.now() + timedelta(hours=1)
    RunnerJob.objects.bulk_create([
        RunnerJob(runner=runner, kind="test", payload_encrypted=encrypt_str(f"payload {i}"),
                  result_encrypted=encrypt_str(f"result {i}") if i % 2 else "", expires_at=expires)
        for i in range(ROWS)], batch_size=2000)
    integration = ScmIntegration.objects.create(organization=world.a.org, runner=runner, provider="bitbucket-cloud",
                                                host="https://bitbucket.org", oauth_enabled=False)
    Connection.objects.create(organization=world.a.org, integration=integration, user=world.a.member,
                              method="oauth", access_token_encrypted=encrypt_str("access-token-1"),
                              refresh_token_encrypted=encrypt_str("refresh-token-1"))
    give_totp(world.a.owner)
    expected = {label: opened_with([OLD], token) for label, token in every_value().items()}
    assert len(expected) == ROWS + ROWS // 2 + 2 + 1 and all(expected.values())
    return expected


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_rows_killed_midway_then_finished_lose_nothing(encrypted_rows):
    total = len(encrypted_rows)
    process = subprocess.Popen(**command(f"{NEW},{OLD}", "--batch-size", "100"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    seen = 0
    for line in process.stdout:
        match = PROGRESS.search(line)
        if match and int(match[1]) >= total // 3:
            seen = int(match[1])
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed midway"
    assert total // 3 <= seen < total

    middle = every_value()
    under_new = [label for label, token in middle.items() if opened_with([NEW], token) is not None]
    assert 0 < len(under_new) < total
    assert {label: opened_with([NEW, OLD], token) for label, token in middle.items()} == encrypted_rows

    second = subprocess.run(**command(f"{NEW},{OLD}", "--batch-size", "100"), capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    rotated, already, failed = map(int, DONE.search(second.stdout).groups())
    assert (rotated, already, failed) == (total - len(under_new), len(under_new), 0)

    after = every_value()
    assert {label: opened_with([NEW], token) for label, token in after.items()} == encrypted_rows
    stored = Authenticator.objects.get().data["secret"]
    assert opened_with([NEW], stored) == TOTP_SECRET


@pytest.mark.django_db(transaction=True)
def test_a_value_no_key_opens_is_reported_and_left_as_it_is(world, old_key):
    runner = register_runner(world.a.org, world.a.admin).runner
    expires = timezone.now() + timedelta(hours=1)
    good = RunnerJob.objects.create(runner=runner, kind="t", payload_encrypted=encrypt_str("fine"), expires_at=expires)
    lost_token = Fernet(LOST).encrypt(b"under a key nobody kept").decode()
    lost = RunnerJob.objects.create(runner=runner, kind="t", payload_encrypted=lost_token, expires_at=expires)

    done = subprocess.run(**command(f"{NEW},{OLD}"), capture_output=True, text=True, timeout=120)

    assert done.returncode != 0
    assert f"runners.RunnerJob.payload_encrypted pk={lost.pk}" in done.stderr
    assert "1 re-encrypted under the newest key, 0 already were, 1 could not be opened" in done.stdout
    lost.refresh_from_db()
    good.refresh_from_db()
    assert lost.payload_encrypted == lost_token
    assert opened_with([NEW], good.payload_encrypted) == "fine"


def test_every_encrypted_column_follows_the_convention():
    """Found by name (`*_encrypted`), text, and each one is a column the command rotates."""
    columns = {c.label for c in encrypted_columns()}
    assert {"integrations.Connection.access_token_encrypted", "integrations.Connection.refresh_token_encrypted",
            "runners.RunnerJob.payload_encrypted", "runners.RunnerJob.result_encrypted",
            "mfa.Authenticator.data['secret']", "mfa.Authenticator.data['seed']"} <= columns
    for column in encrypted_columns():
        if not column.json_key:
            assert isinstance(column.model._meta.get_field(column.field), models.TextField), column.label


# Names of our own columns that hold a secret some other way: hashed, sealed to a runner, or public.
NOT_KEY_RING = re.compile(r"(_hash|_sealed|_fingerprint|_expires_at|_registered_at|_updated_at|_suite|^public_key"
                          r"|^oauth_key|^password)$")
SECRET_WORDS = re.compile(r"secret|token|private|credential")


def test_no_column_of_ours_holds_a_secret_outside_the_convention():
    """A new column with a secret in it must end in `_encrypted` (rotated), `_hash` or `_sealed`."""
    ours = [a for a in apps.get_app_configs() if ".venv" not in str(a.path) and "site-packages" not in str(a.path)]
    fields = [(model, f) for app in ours for model in app.get_models() for f in model._meta.concrete_fields]
    offenders = [f"{model._meta.label}.{f.name}" for model, f in fields if SECRET_WORDS.search(f.name)
                 and not f.name.endswith("_encrypted") and not NOT_KEY_RING.search(f.name)]
    assert offenders == []
