"""Post-quantum hybrid sealing (ML-KEM-768 + X25519): registration, which suite the portal picks, the
runner page, and what a tampered or misdirected blob does."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.services import integration_create
from portal.models import AuditEvent
from runners import services
from runners.agent.hybrid_key import HybridPrivateKey
from runners.protocol.sealing import (
    BROWSER_SUITE_NAME,
    HYBRID_SUITE_NAME,
    SUITE_NAME,
    SealedBlob,
    SealError,
    check_blob_shape,
    generate_private_key,
    open_client_secret,
    public_key_b64,
    seal_client_secret,
)
from runners.sealing import check_sealed_for_runner, runner_browser_key, runner_sealing_key, seal_for_runner
from tests.runners.conftest import create_runner

pytestmark = pytest.mark.django_db
SECRET = "hybrid-client-secret-5c4b3a"


def _register(token: str, *, hybrid: HybridPrivateKey | None = None, opens: list[str] | None = None,
              **extra) -> tuple:
    key = generate_private_key()
    body = {"registration_token": token, "public_key": public_key_b64(key), "suite": SUITE_NAME,
            "agent_version": "0.2.0", "hostname": "box", **extra}
    if hybrid is not None:
        body.update(hybrid_public_key=hybrid.public_key_b64(), hybrid_suite=HYBRID_SUITE_NAME)
    if opens is not None:
        body["opens_suites"] = opens
    return APIClient().post("/api/runner/v1/register", body, format="json"), key


def _keys(x25519, hybrid):
    return {"x25519": x25519, "hybrid": hybrid.hpke_key if hybrid else None}


def test_a_hybrid_blob_opens_only_with_the_hybrid_key():
    hybrid = HybridPrivateKey.generate()
    blob = seal_client_secret(hybrid.public_key_b64(), runner_id=1, integration_id=2, client_id="cid",
                              client_secret=SECRET, token_url="https://bitbucket.org/site/oauth2/access_token",
                              suite=HYBRID_SUITE_NAME)
    assert blob.suite == HYBRID_SUITE_NAME and len(blob.ciphertext) > 1120
    document = open_client_secret(_keys(generate_private_key(), hybrid), blob, runner_id=1, integration_id=2)
    assert document.client_secret == SECRET
    # The X25519 half alone (what a quantum computer would break) does not open it.
    with pytest.raises(SealError, match="no key for"):
        open_client_secret(_keys(hybrid.x25519, None), blob, runner_id=1, integration_id=2)
    # Relabelled as the classic suite, the same bytes are refused, not misread.
    relabelled = SealedBlob(suite=SUITE_NAME, ciphertext=blob.ciphertext)
    with pytest.raises(SealError, match="cannot be opened"):
        open_client_secret(_keys(hybrid.x25519, hybrid), relabelled, runner_id=1, integration_id=2)
    flipped = bytearray(blob.ciphertext)
    flipped[-5] ^= 1
    with pytest.raises(SealError, match="cannot be opened"):
        open_client_secret(_keys(None, hybrid), SealedBlob(blob.suite, bytes(flipped)), runner_id=1, integration_id=2)
    with pytest.raises(SealError, match="cannot be opened"):
        open_client_secret(_keys(None, hybrid), blob, runner_id=1, integration_id=3)


def test_a_hybrid_key_file_round_trips(tmp_path):
    from runners.agent.hybrid_key import load_hybrid_key, save_hybrid_key

    hybrid = HybridPrivateKey.generate()
    save_hybrid_key(tmp_path / "k.pem", hybrid)
    assert oct((tmp_path / "k.pem").stat().st_mode & 0o777) == "0o600"
    assert load_hybrid_key(tmp_path / "k.pem").public_key_b64() == hybrid.public_key_b64()
    (tmp_path / "x.pem").write_bytes((tmp_path / "k.pem").read_bytes().split(b"-----END PRIVATE KEY-----")[0])
    with pytest.raises((SealError, ValueError)):
        load_hybrid_key(tmp_path / "x.pem")


def test_blob_shape_is_checked_without_the_key():
    check_blob_shape(SealedBlob(HYBRID_SUITE_NAME, b"\0" * 1200), max_plaintext=100)
    with pytest.raises(SealError, match="encapsulated key alone is 1120 bytes"):
        check_blob_shape(SealedBlob(HYBRID_SUITE_NAME, b"\0" * 500), max_plaintext=100)
    with pytest.raises(SealError, match="encapsulated key alone is 32 bytes"):
        check_blob_shape(SealedBlob(BROWSER_SUITE_NAME, b"\0" * 40), max_plaintext=100)
    with pytest.raises(SealError, match="Longer than"):
        check_blob_shape(SealedBlob(BROWSER_SUITE_NAME, b"\0" * 200), max_plaintext=100)
    with pytest.raises(SealError, match="Unknown sealing suite"):
        check_blob_shape(SealedBlob("X448-HKDF-SHA512-AES256GCM", b"\0" * 200), max_plaintext=100)


def test_registration_with_a_hybrid_key_makes_the_portal_seal_with_it(world):
    runner, token = create_runner(world.a.org, world.a.admin)
    hybrid = HybridPrivateKey.generate()
    response, x25519 = _register(token, hybrid=hybrid, opens=[SUITE_NAME, HYBRID_SUITE_NAME, BROWSER_SUITE_NAME])
    assert response.status_code == 201, response.content
    runner.refresh_from_db()
    assert response.json()["hybrid_key_fingerprint"] == runner.hybrid_key_fingerprint != ""
    assert runner.hybrid_key_suite == HYBRID_SUITE_NAME
    assert runner_sealing_key(runner).suite == HYBRID_SUITE_NAME
    assert runner_browser_key(runner).public_key == runner.public_key  # browsers keep X25519

    integration = integration_create(runner=runner, actor=world.a.admin, provider="github", host="https://github.com",
                                     oauth_enabled=True, pat_enabled=False, client_id="Iv1.abc", client_secret=SECRET)
    blob = SealedBlob.from_text(integration.client_secret_sealed)
    assert blob.suite == HYBRID_SUITE_NAME == integration.sealed_suite
    assert integration.sealed_key_fingerprint == runner.hybrid_key_fingerprint
    assert integration.secret_state == "set"
    assert SECRET not in integration.client_secret_sealed
    opened = open_client_secret(_keys(x25519, hybrid), blob, runner_id=runner.pk, integration_id=integration.pk)
    assert opened.client_secret == SECRET and opened.token_url == integration.token_url


def test_an_old_agent_never_receives_a_suite_it_did_not_register(world):
    """An agent that predates hybrid keys sends neither a hybrid key nor `opens_suites`."""
    runner, token = create_runner(world.a.org, world.a.admin)
    response, x25519 = _register(token)
    assert response.status_code == 201, response.content
    runner.refresh_from_db()
    assert runner.opens_suites == []
    assert runner_sealing_key(runner).suite == SUITE_NAME
    assert runner_browser_key(runner) is None  # the dialog seals on the server for it
    sealed = seal_for_runner(runner=runner, plaintext=b"{}", info=b"i")
    assert sealed.blob.suite == SUITE_NAME and sealed.key_fingerprint == runner.key_fingerprint
    with pytest.raises(SealError, match="cannot open"):
        check_sealed_for_runner(runner=runner, blob=SealedBlob(BROWSER_SUITE_NAME, b"\0" * 100))

    # Upgraded in place, it says so in its heartbeat and the browser suite opens up.
    agent = APIClient()
    agent.credentials(HTTP_AUTHORIZATION=f"Runner {response.json()['credential']}")
    beat = agent.post("/api/runner/v1/heartbeat", {"agent_version": "0.2.0",
                                                   "opens_suites": [SUITE_NAME, BROWSER_SUITE_NAME, "ROT13"]},
                      format="json")
    assert beat.status_code == 200, beat.content
    runner.refresh_from_db()
    assert runner.opens_suites == sorted([SUITE_NAME, BROWSER_SUITE_NAME])
    assert runner_browser_key(runner) is not None


@pytest.mark.parametrize(("fields", "named"), [
    ({"hybrid_public_key": "AAAA", "hybrid_suite": HYBRID_SUITE_NAME}, "hybrid_public_key"),
    ({"hybrid_public_key": "", "hybrid_suite": HYBRID_SUITE_NAME}, "hybrid_suite"),
    ({"hybrid_public_key": HybridPrivateKey.generate().public_key_b64(), "hybrid_suite": SUITE_NAME}, "hybrid_suite"),
    ({"hybrid_public_key": "not base64!", "hybrid_suite": HYBRID_SUITE_NAME}, "hybrid_public_key"),
])
def test_a_bad_hybrid_key_is_refused_by_name_and_nothing_is_registered(world, fields, named):
    runner, token = create_runner(world.a.org, world.a.admin)
    response, _ = _register(token, **fields)
    assert response.status_code == 400, response.content
    assert named in response.json()["error"]["fields"]
    runner.refresh_from_db()
    assert runner.public_key == "" and runner.registration_token_hash  # the token still works


def test_rotating_to_hybrid_marks_old_secrets_and_the_runner_page_counts_them(world, client_for):
    runner, token = create_runner(world.a.org, world.a.admin)
    response, _ = _register(token, opens=[SUITE_NAME, BROWSER_SUITE_NAME])
    runner.refresh_from_db()
    common = {"runner": runner, "actor": world.a.admin, "oauth_enabled": True, "pat_enabled": False,
              "client_id": "cid", "client_secret": SECRET}
    github = integration_create(provider="github", host="https://github.com", **common)
    cloud = integration_create(provider="bitbucket-cloud", host="https://bitbucket.org", **common)
    assert github.sealed_suite == SUITE_NAME

    hybrid = HybridPrivateKey.generate()
    services.runner_rotate_key(runner=runner, public_key=public_key_b64(generate_private_key()), suite=SUITE_NAME,
                               hybrid_public_key=hybrid.public_key_b64(), hybrid_suite=HYBRID_SUITE_NAME,
                               opens_suites=[SUITE_NAME, BROWSER_SUITE_NAME, HYBRID_SUITE_NAME])
    github.refresh_from_db()
    assert github.secret_state == "needs-reentry"
    page = client_for(world.a.admin).get(reverse("runner_detail", args=["acme", runner.pk]))
    html = page.content.decode()
    assert "2 client secrets need re-entry" in html
    assert runner.hybrid_key_suite in html and runner.hybrid_key_fingerprint in html

    # Re-entered: sealed with the hybrid key now, and the page says which suite protects which secret.
    from integrations.services import integration_update

    integration_update(integration=cloud, actor=world.a.admin, host=cloud.host, oauth_enabled=True, pat_enabled=False,
                       client_id="cid", client_secret=SECRET)
    cloud.refresh_from_db()
    assert cloud.secret_state == "set" and cloud.sealed_suite == HYBRID_SUITE_NAME
    page = client_for(world.a.admin).get(reverse("runner_detail", args=["acme", runner.pk]))
    html = page.content.decode()
    assert "1 client secret needs re-entry" in html
    assert "ML-KEM-768 + X25519 (post-quantum hybrid), sealed by the portal" in html
    assert "X25519 (classic), sealed by the portal" in html
    assert SECRET not in html

    # The audit trail names both fingerprints, never a key's bytes.
    event = AuditEvent.objects.get(organization=world.a.org, action="runner.key_rotated")
    assert event.after["hybrid_fingerprint"] == runner.__class__.objects.get(pk=runner.pk).hybrid_key_fingerprint
    assert hybrid.public_key_b64() not in json.dumps(event.after)


def test_rotating_back_to_x25519_drops_the_hybrid_key(world):
    runner, token = create_runner(world.a.org, world.a.admin)
    _register(token, hybrid=HybridPrivateKey.generate())
    runner.refresh_from_db()
    assert runner.hybrid_public_key
    services.runner_rotate_key(runner=runner, public_key=public_key_b64(generate_private_key()), suite=SUITE_NAME)
    runner.refresh_from_db()
    assert runner.hybrid_public_key == "" and runner.hybrid_key_suite == ""
    assert runner_sealing_key(runner).suite == SUITE_NAME
