"""A real agent process against a live portal: register, run, exchange a code, rotate, stop.

Transactional tests: the agent reaches the portal through live_server's own connections, so rows
must be committed for it to see them.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from runners import channel
from runners.models import Runner
from runners.protocol.jobs import OAuthTokenPayload
from runners.protocol.sealing import key_fingerprint, load_private_key, public_key_b64, seal_client_secret
from tests.runners.conftest import create_runner

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-client-secret-9f8e7d"


def agent(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runners.agent", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def register(live_server, token: str, state_dir: Path) -> subprocess.CompletedProcess:
    return agent("register", "--portal", live_server.url, "--token", token, "--state-dir", str(state_dir))


@pytest.fixture
def runner_and_token(world):
    return create_runner(world.a.org, world.a.admin)


def test_register_writes_private_state_and_sends_only_the_public_key(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    state_dir = tmp_path / "state"
    done = register(live_server, token, state_dir)
    assert done.returncode == 0, done.stderr
    assert "Registered runner acme-aws" in done.stdout
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    for name in ("private_key.pem", "credential", "runner.json"):
        assert stat.S_IMODE((state_dir / name).stat().st_mode) == 0o600, name
    runner.refresh_from_db()
    key = load_private_key(state_dir / "private_key.pem")
    assert runner.public_key == public_key_b64(key) and runner.status == "online"
    assert runner.credential_hash is not None and runner.hostname
    assert json.loads((state_dir / "runner.json").read_text())["runner_id"] == runner.pk
    # The portal holds the public key only: the private key's PEM never reached it.
    assert "PRIVATE" not in runner.public_key


def test_registration_token_is_one_time_for_real_agents(live_server, runner_and_token, tmp_path):
    _, token = runner_and_token
    assert register(live_server, token, tmp_path / "one").returncode == 0
    again = register(live_server, token, tmp_path / "two")
    assert again.returncode == 1
    assert "registration token is not valid" in again.stderr
    assert not (tmp_path / "two" / "credential").exists()


def test_expired_token_is_refused_by_a_real_agent(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    Runner.objects.filter(pk=runner.pk).update(registration_token_expires_at=timezone.now() - timedelta(minutes=1))
    done = register(live_server, token, tmp_path / "state")
    assert done.returncode == 1 and "expired" in done.stderr
    runner.refresh_from_db()
    assert not runner.has_public_key


class TokenEndpoint:
    """A provider's token endpoint on a free loopback port, recording what it received."""

    def __init__(self):
        self.seen: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                endpoint.seen.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                      "form": {k: v[0] for k, v in parse_qs(body).items()}})
                answer = json.dumps({"access_token": "at-e2e", "refresh_token": "rt-e2e", "expires_in": 7200,
                                     "token_type": "bearer", "scopes": "repository account"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/site/oauth2/access_token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running_agent(state_dir: Path):
    process = subprocess.Popen([sys.executable, "-m", "runners.agent", "run", "--state-dir", str(state_dir),
                                "--wait", "5"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_run_exchanges_a_code_with_the_sealed_secret(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    state_dir = tmp_path / "state"
    assert register(live_server, token, state_dir).returncode == 0
    runner.refresh_from_db()
    with TokenEndpoint() as endpoint, running_agent(state_dir) as process:
        blob = seal_client_secret(runner.public_key, runner_id=runner.pk, integration_id=42, client_id="cid-e2e",
                                  client_secret=SECRET, token_url=endpoint.url)
        grant = {"grant_type": "authorization_code", "code": "code-123", "redirect_uri": "http://portal/cb",
                 "code_verifier": "verifier-xyz"}
        answer = channel.request(runner, OAuthTokenPayload(sealed=blob.to_text(), integration_id=42, grant=grant))

        assert answer.status == 200
        assert answer.body["access_token"] == "at-e2e" and answer.body["refresh_token"] == "rt-e2e"
        (seen,) = endpoint.seen
        assert seen["path"] == "/site/oauth2/access_token"
        assert seen["authorization"] == "Basic " + base64.b64encode(f"cid-e2e:{SECRET}".encode()).decode()
        assert seen["form"] == grant

        # A blob bound to integration 42 does not open as integration 43: nothing reaches the endpoint.
        with pytest.raises(channel.RunnerJobFailed, match="Cannot open the client secret"):
            channel.request(runner, OAuthTokenPayload(sealed=blob.to_text(), integration_id=43, grant=grant))
        assert len(endpoint.seen) == 1

        with pytest.raises(channel.RunnerJobFailed, match="Unknown job kind"):
            channel.run_job(runner, "environment.start", {"repo": "x"})
        assert channel.runner_ping(runner).pong is True

        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "Stopped" in stderr
    for leaked in (SECRET, "at-e2e", "rt-e2e", "code-123"):
        assert leaked not in stdout + stderr


def test_rotate_key_and_status(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    state_dir = tmp_path / "state"
    assert register(live_server, token, state_dir).returncode == 0
    runner.refresh_from_db()
    before = runner.key_fingerprint
    done = agent("rotate-key", "--state-dir", str(state_dir))
    assert done.returncode == 0, done.stderr
    runner.refresh_from_db()
    on_disk = public_key_b64(load_private_key(state_dir / "private_key.pem"))
    assert runner.public_key == on_disk and runner.key_fingerprint == key_fingerprint(on_disk) != before
    assert stat.S_IMODE((state_dir / "private_key.pem").stat().st_mode) == 0o600
    assert not (state_dir / "private_key.new.pem").exists()
    status = agent("status", "--state-dir", str(state_dir))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["key_matches_portal"] is True


def test_deleted_runner_stops_its_agent(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    state_dir = tmp_path / "state"
    assert register(live_server, token, state_dir).returncode == 0
    runner.delete()
    done = agent("run", "--once", "--state-dir", str(state_dir))
    assert done.returncode == 2 and "rejected this runner's credential" in done.stderr


def test_unreachable_portal_is_reported(live_server, runner_and_token, tmp_path):
    _, token = runner_and_token
    state_dir = tmp_path / "state"
    assert register(live_server, token, state_dir).returncode == 0
    meta = json.loads((state_dir / "runner.json").read_text())
    meta["portal"] = "http://127.0.0.1:9"  # discard port: nothing listens
    (state_dir / "runner.json").write_text(json.dumps(meta))
    done = agent("run", "--once", "--state-dir", str(state_dir))
    assert done.returncode == 3 and "Cannot reach the portal" in done.stderr


def test_agent_refuses_a_state_dir_others_can_read(live_server, runner_and_token, tmp_path):
    _, token = runner_and_token
    state_dir = tmp_path / "state"
    assert register(live_server, token, state_dir).returncode == 0
    os.chmod(state_dir, 0o755)
    done = agent("run", "--once", "--state-dir", str(state_dir))
    assert done.returncode == 1 and "readable by others" in done.stderr
