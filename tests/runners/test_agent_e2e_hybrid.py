"""The post-quantum hybrid suite end to end: a real agent process registers an ML-KEM-768 + X25519 key,
the portal seals to it, the agent opens the blob during a token request; rotation leaves old blobs
unopenable ("re-enter the secret") and new ones working."""

from __future__ import annotations

import base64
import json
import stat

import pytest

from runners import channel
from runners.agent.hybrid_key import load_hybrid_key
from runners.protocol.jobs import OAuthTokenPayload
from runners.protocol.sealing import HYBRID_SUITE_NAME, SUITE_NAME, client_secret_document, sealing_info
from runners.sealing import seal_for_runner
from tests.runners.conftest import create_runner
from tests.runners.test_agent_e2e import TokenEndpoint, agent, register, running_agent

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "pq-client-secret-77aa11"
GRANT = {"grant_type": "authorization_code", "code": "code-pq", "redirect_uri": "http://portal/cb"}


@pytest.fixture
def runner_and_token(world):
    return create_runner(world.a.org, world.a.admin)


def _token_request(runner, sealed: str, integration_id: int):
    return channel.request(runner, OAuthTokenPayload(sealed=sealed, integration_id=integration_id, grant=GRANT))


def _seal(runner, token_url: str, integration_id: int = 42) -> str:
    document = client_secret_document(client_id="cid-pq", client_secret=SECRET, token_url=token_url)
    return seal_for_runner(runner=runner, plaintext=document, info=sealing_info(runner.pk, integration_id)).to_text()


def test_hybrid_key_from_registration_to_token_request_and_rotation(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    state_dir = tmp_path / "state"
    done = register(live_server, token, state_dir)
    assert done.returncode == 0, done.stderr
    assert HYBRID_SUITE_NAME in done.stdout
    assert stat.S_IMODE((state_dir / "hybrid_key.pem").stat().st_mode) == 0o600
    runner.refresh_from_db()
    assert runner.hybrid_key_suite == HYBRID_SUITE_NAME
    assert runner.hybrid_public_key == load_hybrid_key(state_dir / "hybrid_key.pem").public_key_b64()
    assert "PRIVATE" not in runner.hybrid_public_key

    with TokenEndpoint() as endpoint, running_agent(state_dir) as process:
        sealed = _seal(runner, endpoint.url)
        assert json.loads(sealed)["suite"] == HYBRID_SUITE_NAME
        answer = _token_request(runner, sealed, 42)
        assert answer.status == 200 and answer.body["access_token"] == "at-e2e"
        (seen,) = endpoint.seen
        assert seen["authorization"] == "Basic " + base64.b64encode(f"cid-pq:{SECRET}".encode()).decode()

        # Another integration's blob, a flipped byte, a relabelled suite: refused, nothing reaches the endpoint.
        tampered = json.loads(sealed)
        raw = bytearray(base64.b64decode(tampered["ct"]))
        raw[1200] ^= 0x01
        flipped = json.dumps({**tampered, "ct": base64.b64encode(bytes(raw)).decode()})
        relabelled = json.dumps({**tampered, "suite": SUITE_NAME})
        for blob, integration_id in ((sealed, 43), (flipped, 42), (relabelled, 42)):
            with pytest.raises(channel.RunnerJobFailed, match="Re-enter the secret in the portal"):
                _token_request(runner, blob, integration_id)
        assert len(endpoint.seen) == 1

        rotated = agent("rotate-key", "--suite", "hybrid", "--state-dir", str(state_dir))
        assert rotated.returncode == 0, rotated.stderr
        before = runner.hybrid_key_fingerprint
        runner.refresh_from_db()
        assert runner.hybrid_key_fingerprint != before and runner.hybrid_key_suite == HYBRID_SUITE_NAME
        assert not (state_dir / "hybrid_key.new.pem").exists()

        # The running agent picks up the rotated key files before its next job: old blobs no longer open,
        # new ones do, without a restart.
        with pytest.raises(channel.RunnerJobFailed, match="Re-enter the secret"):
            _token_request(runner, sealed, 42)
        fresh = _seal(runner, endpoint.url)
        answer = _token_request(runner, fresh, 42)
        assert answer.status == 200 and len(endpoint.seen) == 2
        assert process.poll() is None

    status = agent("status", "--state-dir", str(state_dir))
    assert status.returncode == 0, status.stdout + status.stderr
    assert json.loads(status.stdout)["hybrid_key_fingerprint"] == runner.hybrid_key_fingerprint


def test_an_x25519_only_agent_is_sealed_to_with_the_classic_suite(live_server, runner_and_token, tmp_path):
    runner, token = runner_and_token
    state_dir = tmp_path / "state"
    done = agent("register", "--portal", live_server.url, "--token", token, "--state-dir", str(state_dir),
                 "--suite", "x25519")
    assert done.returncode == 0, done.stderr
    assert not (state_dir / "hybrid_key.pem").exists()
    runner.refresh_from_db()
    assert runner.hybrid_public_key == ""
    with TokenEndpoint() as endpoint, running_agent(state_dir):
        sealed = _seal(runner, endpoint.url)
        assert json.loads(sealed)["suite"] == SUITE_NAME
        answer = _token_request(runner, sealed, 42)
        assert answer.status == 200
