"""`python manage.py parse_webhook`: the receiver's parser on the command line, run as an operator would."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "tests" / "reference" / "bitbucket" / "payloads"
# The byte-exact signed delivery from Jenkins' bitbucket-branch-source plugin (see its SOURCES.md).
SIGNED = PAYLOADS / "api" / "cloud-repo-push-signed.json"
SIGNED_SECRET = "Gkvl$k$wyNpQAF42"
SIGNED_HEADER = "sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    return subprocess.run([sys.executable, "manage.py", "parse_webhook", *args], cwd=ROOT, env=env,
                          capture_output=True, input=stdin, timeout=60)


def parse(*args: str, stdin: bytes = b"") -> dict:
    """In-process, the same command; cheaper than a process per case."""
    out = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        call_command("parse_webhook", *args, stdout=out)
    finally:
        sys.stdin = old_stdin
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def output(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().strip().splitlines()
    assert len(lines) == 1, lines  # one JSON object, one line
    return json.loads(lines[0])


def test_a_signed_cloud_push_with_its_secret_is_valid():
    out = output(run("--provider", "bitbucket-cloud", "--event", "repo:push", "--secret", SIGNED_SECRET,
                   "--signature", SIGNED_HEADER, str(SIGNED)))
    assert out["event"] == "push" and out["signature"] == "valid"
    assert out["repository"] == "nfalco79/test-repos"
    assert out["changes"][0]["ref"] == "refs/heads/feature/webhook"
    assert out["changes"][0]["old"] is None and out["changes"][0]["new"].startswith("d7f300a3")
    assert out["pull_request"] is None


@pytest.mark.parametrize("secret", ["not-the-secret", "Gkvl$k$wyNpQAF4"])
def test_a_wrong_secret_makes_the_signature_invalid(secret):
    out = parse("--provider", "bitbucket-cloud", "--event", "repo:push", "--secret", secret,
                "--signature", SIGNED_HEADER, str(SIGNED))
    assert out["signature"] == "invalid" and out["event"] == "push"


def test_another_algorithm_is_invalid_even_with_the_right_digest():
    out = parse("--provider", "bitbucket-cloud", "--event", "repo:push", "--secret", SIGNED_SECRET,
                "--signature", SIGNED_HEADER.replace("sha256=", "sha1="), str(SIGNED))
    assert out["signature"] == "invalid"


def test_without_a_signature_it_is_absent():
    out = parse("--provider", "bitbucket-server", "--event", "pr:opened",
                str(PAYLOADS / "api" / "server-pr-opened-iso-dates.json"))
    assert out["signature"] == "absent"
    assert out["event"] == "pull_request" and out["repository"] == "AMUNIZ/test-repos"
    assert out["pull_request"]["id"] == 1 and out["pull_request"]["action"] == "opened"
    assert out["pull_request"]["source_ref"] == "refs/heads/feature/diffstat"
    assert out["pull_request"]["target_ref"] == "refs/heads/master"


def test_ping_and_ignored_events_from_stdin():
    ping = parse("--provider", "bitbucket-server", "--event", "diagnostics:ping", "-", stdin=b'{"test": true}')
    assert ping["event"] == "ping"
    ignored = parse("--provider", "bitbucket-server", "--event", "pr:reviewer:approved",
                    str(PAYLOADS / "zulip" / "bitbucket3" / "pull_request_approved.json"))
    assert ignored["event"] == "ignored" and ignored["changes"] == [] and ignored["pull_request"] is None


def test_a_malformed_payload_exits_non_zero_with_the_reason_on_stderr():
    result = run("--provider", "bitbucket-cloud", "--event", "repo:push", "-", stdin=b'{"push": {"changes": 3}}')
    assert result.returncode != 0
    assert result.stdout == b""
    assert "malformed payload" in result.stderr.decode() and "push.changes is not a list" in result.stderr.decode()


def test_a_missing_file_and_a_signature_without_secret_are_errors():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot read"):
        parse("--provider", "bitbucket-cloud", "--event", "repo:push", "/nonexistent/delivery.json")
    with pytest.raises(CommandError, match="--secret"):
        parse("--provider", "bitbucket-cloud", "--event", "repo:push", "--signature", SIGNED_HEADER, str(SIGNED))
