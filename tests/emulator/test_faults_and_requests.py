"""Injected faults (latency, 5xx, 429 + Retry-After, dropped connections) and the request log."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.emulator.seeded import SeededEmulator


def _fault(seeded: SeededEmulator, **body) -> None:
    seeded.emulator.control("POST", "/faults", json=body)


def test_status_fault_hits_only_matching_requests_and_runs_out(seeded: SeededEmulator):
    _fault(seeded, path=r"^/2\.0/user$", method="GET", kind="status", status=502, times=2)
    url = f"{seeded.cloud}/2.0/user"
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme", seeded.alice_oauth).status_code == 200
    first = seeded.get(url, seeded.alice_oauth)
    assert first.status_code == 502 and first.json()["type"] == "error"
    assert seeded.get(url, seeded.alice_oauth).status_code == 502
    assert seeded.get(url, seeded.alice_oauth).status_code == 200
    assert seeded.emulator.control("GET", "/faults") == []


def test_server_paths_get_server_shaped_fault_bodies(seeded: SeededEmulator):
    _fault(seeded, path="/rest/api/", kind="status", status=500)
    response = seeded.get(f"{seeded.server}/rest/api/1.0/projects", seeded.server_admin_token)
    assert response.status_code == 500
    assert "errors" in response.json()


def test_rate_limit_sends_retry_after(seeded: SeededEmulator):
    _fault(seeded, path="/repositories/acme", kind="rate_limit", retry_after=7, times=1)
    limited = seeded.get(f"{seeded.cloud}/2.0/repositories/acme", seeded.alice_oauth)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert seeded.get(f"{seeded.cloud}/2.0/repositories/acme", seeded.alice_oauth).status_code == 200


def test_latency_delays_the_answer(seeded: SeededEmulator):
    _fault(seeded, path="/2.0/user", kind="latency", delay_ms=300, times=1)
    started = time.monotonic()
    response = seeded.get(f"{seeded.cloud}/2.0/user", seeded.alice_oauth)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_dropped_connection(seeded: SeededEmulator):
    _fault(seeded, path="/2.0/user", kind="drop", times=1)
    with pytest.raises(httpx.TransportError):
        seeded.get(f"{seeded.cloud}/2.0/user", seeded.alice_oauth)
    assert seeded.get(f"{seeded.cloud}/2.0/user", seeded.alice_oauth).status_code == 200


def test_control_api_is_never_faulted(seeded: SeededEmulator):
    _fault(seeded, path=".*", kind="status", status=503)
    assert seeded.emulator.control("GET", "/state")["faults"][0]["status"] == 503
    seeded.emulator.control("DELETE", "/faults")
    assert seeded.get(f"{seeded.cloud}/2.0/user", seeded.alice_oauth).status_code == 200


def test_bad_fault_definitions_are_refused(seeded: SeededEmulator):
    for body in ({"kind": "status"}, {"path": "(", "kind": "status"}, {"path": "x", "kind": "explode"}):
        response = httpx.post(f"{seeded.emulator.base_url}/_emulator/faults", json=body)
        assert response.status_code == 400


def test_request_log_counts_hook_creations_and_redacts_credentials(seeded: SeededEmulator):
    seeded.emulator.control("DELETE", "/requests")
    hooks = f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks"
    seeded.get(hooks, seeded.alice_oauth)
    seeded.request("POST", hooks, seeded.alice_oauth,
                  json={"url": "https://portal.example/h", "events": ["repo:push"], "secret": "hush"})
    created = seeded.emulator.requests(path=r"/hooks$", method="POST")
    assert len(created) == 1
    entry = created[0]
    assert entry["path"] == "/2.0/repositories/acme/webapp/hooks"
    assert entry["headers"]["Authorization"] == "Bearer ***"
    assert entry["json"] == {"url": "https://portal.example/h", "events": ["repo:push"], "secret": "***"}
    assert len(seeded.emulator.requests(path="/hooks")) == 2
    seeded.emulator.control("DELETE", "/requests")
    assert seeded.emulator.requests() == []


def test_oauth_form_secrets_are_redacted_in_the_log(seeded: SeededEmulator):
    seeded.emulator.control("DELETE", "/requests")
    httpx.post(f"{seeded.cloud}/site/oauth2/access_token",
               data={"grant_type": "refresh_token", "refresh_token": "rt", "client_id": "c", "client_secret": "cs"})
    (entry,) = seeded.emulator.requests(path="access_token")
    assert entry["form"] == {"grant_type": "refresh_token", "refresh_token": "***", "client_id": "c",
                             "client_secret": "***"}
