"""/api/runner/v1/: registration, credentials, and jobs that belong to one runner only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.crypto import decrypt_str
from portal.models import AuditEvent
from runners import services
from runners.models import Runner, RunnerJob
from runners.protocol.sealing import SUITE_NAME, generate_private_key, key_fingerprint, public_key_b64
from tests.runners.conftest import create_runner, register_runner

pytestmark = pytest.mark.django_db


def _register(token: str, key=None, suite: str = SUITE_NAME):
    key = key or generate_private_key()
    body = {"registration_token": token, "public_key": public_key_b64(key), "suite": suite,
            "agent_version": "1.2.3", "hostname": "box"}
    return APIClient().post("/api/runner/v1/register", body, format="json")


def test_register_stores_key_and_returns_credential_once(world):
    runner, token = create_runner(world.a.org, world.a.admin)
    key = generate_private_key()
    response = _register(token, key)
    assert response.status_code == 201, response.content
    body = response.json()
    runner.refresh_from_db()
    assert body["runner_id"] == runner.pk and body["organization"] == "acme"
    assert runner.public_key == public_key_b64(key) and runner.key_suite == SUITE_NAME
    assert runner.key_fingerprint == key_fingerprint(public_key_b64(key)) == body["key_fingerprint"]
    assert runner.status == "online"
    assert runner.credential_hash == services.hash_token(body["credential"])
    assert body["credential"] not in json.dumps(list(AuditEvent.objects.values("before", "after")))
    assert runner.registration_token_hash is None


def test_registration_token_is_one_time(world):
    _, token = create_runner(world.a.org, world.a.admin)
    assert _register(token).status_code == 201
    second = _register(token)
    assert second.status_code == 403
    assert second.json()["error"]["code"] == "invalid_registration_token"


def test_expired_registration_token_is_refused(world):
    runner, token = create_runner(world.a.org, world.a.admin)
    Runner.objects.filter(pk=runner.pk).update(registration_token_expires_at=timezone.now() - timedelta(seconds=1))
    response = _register(token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "expired_registration_token"
    runner.refresh_from_db()
    assert runner.public_key == ""


def test_regenerated_token_replaces_the_old_one(world):
    runner, old = create_runner(world.a.org, world.a.admin)
    new = services.runner_registration_token_regenerate(runner=runner, actor=world.a.admin)
    assert _register(old).status_code == 403
    assert _register(new).status_code == 201


@pytest.mark.parametrize(("public_key", "suite", "field"), [
    ("AAAA", SUITE_NAME, "public_key"),
    ("not base64 at all", SUITE_NAME, "public_key"),
    (None, "P256-HKDF-SHA256-AES128GCM", "suite"),
])
def test_register_rejects_bad_keys_and_suites(world, public_key, suite, field):
    _, token = create_runner(world.a.org, world.a.admin)
    body = {"registration_token": token, "public_key": public_key or public_key_b64(generate_private_key()),
            "suite": suite}
    response = APIClient().post("/api/runner/v1/register", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_unknown_credential_is_401_in_the_error_shape(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Runner rnc_nope")
    response = client.post("/api/runner/v1/heartbeat", {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert APIClient().get("/api/runner/v1/jobs/next").status_code == 401


def test_user_api_token_is_not_a_runner_credential(world, api_client_for):
    assert api_client_for(world.a.owner).get("/api/runner/v1/jobs/next").status_code == 401


def test_heartbeat_updates_last_seen_and_version(registered):
    Runner.objects.filter(pk=registered.runner.pk).update(last_seen_at=None)
    response = registered.agent_client().post("/api/runner/v1/heartbeat", {"agent_version": "9.9"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "online"
    registered.runner.refresh_from_db()
    assert registered.runner.last_seen_at is not None and registered.runner.agent_version == "9.9"


def test_me_does_not_count_as_a_sign_of_life(registered):
    Runner.objects.filter(pk=registered.runner.pk).update(last_seen_at=None)
    body = registered.agent_client().get("/api/runner/v1/me").json()
    assert body["runner_id"] == registered.runner.pk and body["status"] == "offline"


def _job(runner, kind="ping", payload=None, timeout=30):
    return services.runner_job_create(runner=runner, kind=kind, payload=payload or {"x": 1}, timeout=timeout)


def test_next_job_claims_and_returns_decrypted_payload(registered):
    job = _job(registered.runner, payload={"grant": {"refresh_token": "rt-plaintext-marker"}})
    # Encrypted at rest (a short needle like "rt" turns up in random ciphertext now and then).
    assert "rt-plaintext-marker" not in job.payload_encrypted
    response = registered.agent_client().get("/api/runner/v1/jobs/next?wait=0")
    assert response.status_code == 200
    assert response.json()["id"] == job.pk
    assert response.json()["payload"] == {"grant": {"refresh_token": "rt-plaintext-marker"}}
    job.refresh_from_db()
    assert job.state == RunnerJob.State.CLAIMED and job.claimed_at is not None
    # Claimed once: a second poll finds nothing.
    assert registered.agent_client().get("/api/runner/v1/jobs/next?wait=0").status_code == 204


def test_expired_jobs_are_not_handed_out(registered):
    job = _job(registered.runner)
    RunnerJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert registered.agent_client().get("/api/runner/v1/jobs/next?wait=0").status_code == 204


def test_poll_counts_as_sign_of_life(registered):
    Runner.objects.filter(pk=registered.runner.pk).update(last_seen_at=None)
    registered.agent_client().get("/api/runner/v1/jobs/next?wait=0")
    registered.runner.refresh_from_db()
    assert registered.runner.status == "online"


def test_result_is_stored_encrypted_and_payload_dropped(registered):
    job = _job(registered.runner)
    client = registered.agent_client()
    client.get("/api/runner/v1/jobs/next?wait=0")
    response = client.post(f"/api/runner/v1/jobs/{job.pk}/result",
                           {"ok": True, "result": {"access_token": "at-xyz"}}, format="json")
    assert response.status_code == 204
    job.refresh_from_db()
    assert job.state == RunnerJob.State.DONE and job.payload_encrypted == ""
    assert "at-xyz" not in job.result_encrypted
    assert json.loads(decrypt_str(job.result_encrypted)) == {"access_token": "at-xyz"}
    # Answered once: a second answer is a conflict.
    again = client.post(f"/api/runner/v1/jobs/{job.pk}/result", {"ok": False, "error": "x"}, format="json")
    assert again.status_code == 409


def test_result_needs_result_or_error(registered):
    job = _job(registered.runner)
    client = registered.agent_client()
    client.get("/api/runner/v1/jobs/next?wait=0")
    assert client.post(f"/api/runner/v1/jobs/{job.pk}/result", {"ok": True}, format="json").status_code == 400
    assert client.post(f"/api/runner/v1/jobs/{job.pk}/result", {"ok": False}, format="json").status_code == 400


def test_result_after_the_portal_gave_up_is_409(registered):
    job = _job(registered.runner)
    client = registered.agent_client()
    client.get("/api/runner/v1/jobs/next?wait=0")
    assert services.runner_job_expire(job=job)
    response = client.post(f"/api/runner/v1/jobs/{job.pk}/result", {"ok": True, "result": {}}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_not_claimed"


def test_runner_cannot_claim_or_answer_another_runners_job(world, registered):
    other = register_runner(world.a.org, world.a.admin, name="acme-desktop")
    foreign = register_runner(world.b.org, world.b.admin, name="globex-aws")
    jobs = [_job(other.runner), _job(foreign.runner)]
    client = registered.agent_client()
    assert client.get("/api/runner/v1/jobs/next?wait=0").status_code == 204
    for job in jobs:
        # Even claimed by its own runner, the job does not exist for this one.
        RunnerJob.objects.filter(pk=job.pk).update(state=RunnerJob.State.CLAIMED)
        response = client.post(f"/api/runner/v1/jobs/{job.pk}/result", {"ok": True, "result": {"x": 1}},
                               format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        job.refresh_from_db()
        assert job.state == RunnerJob.State.CLAIMED and job.result_encrypted == ""


def test_rotate_key_changes_fingerprint_and_keeps_credential(registered):
    before = registered.runner.key_fingerprint
    new_key = generate_private_key()
    client = registered.agent_client()
    response = client.post("/api/runner/v1/rotate-key", {"public_key": public_key_b64(new_key), "suite": SUITE_NAME},
                           format="json")
    assert response.status_code == 200
    registered.runner.refresh_from_db()
    assert registered.runner.key_fingerprint == key_fingerprint(public_key_b64(new_key)) != before
    assert response.json()["key_fingerprint"] == registered.runner.key_fingerprint
    event = AuditEvent.objects.get(action="runner.key_rotated")
    assert event.before == {"fingerprint": before} and event.after == {"fingerprint": registered.runner.key_fingerprint}
    assert client.get("/api/runner/v1/me").status_code == 200


def test_rotate_to_the_same_key_is_a_conflict(registered):
    body = {"public_key": registered.runner.public_key, "suite": SUITE_NAME}
    assert registered.agent_client().post("/api/runner/v1/rotate-key", body, format="json").status_code == 409


def test_claim_takes_the_oldest_live_job(registered):
    first, second = _job(registered.runner), _job(registered.runner)
    claimed = services.runner_job_claim_next(runner=registered.runner)
    assert claimed.pk == first.pk
    assert services.runner_job_claim_next(runner=registered.runner).pk == second.pk
    assert services.runner_job_claim_next(runner=registered.runner) is None


def test_purge_expires_abandoned_jobs_and_deletes_old_ones(registered):
    abandoned = _job(registered.runner)
    RunnerJob.objects.filter(pk=abandoned.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    old = _job(registered.runner)
    RunnerJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert services.runner_jobs_purge(older_than=timedelta(days=7)) == 1
    abandoned.refresh_from_db()
    assert abandoned.state == RunnerJob.State.EXPIRED and abandoned.payload_encrypted == ""
    assert not RunnerJob.objects.filter(pk=old.pk).exists()
