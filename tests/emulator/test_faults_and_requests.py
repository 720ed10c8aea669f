"""Injected faults (latency, 5xx, 429 + Retry-After, dropped connections) and the request log."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.emulator.world import World


def _fault(world: World, **body) -> None:
    world.emulator.control("POST", "/faults", json=body)


def test_status_fault_hits_only_matching_requests_and_runs_out(world: World):
    _fault(world, path=r"^/2\.0/user$", method="GET", kind="status", status=502, times=2)
    url = f"{world.cloud}/2.0/user"
    assert world.get(f"{world.cloud}/2.0/repositories/acme", world.alice_oauth).status_code == 200
    first = world.get(url, world.alice_oauth)
    assert first.status_code == 502 and first.json()["type"] == "error"
    assert world.get(url, world.alice_oauth).status_code == 502
    assert world.get(url, world.alice_oauth).status_code == 200
    assert world.emulator.control("GET", "/faults") == []


def test_server_paths_get_server_shaped_fault_bodies(world: World):
    _fault(world, path="/rest/api/", kind="status", status=500)
    response = world.get(f"{world.server}/rest/api/1.0/projects", world.server_admin_token)
    assert response.status_code == 500
    assert "errors" in response.json()


def test_rate_limit_sends_retry_after(world: World):
    _fault(world, path="/repositories/acme", kind="rate_limit", retry_after=7, times=1)
    limited = world.get(f"{world.cloud}/2.0/repositories/acme", world.alice_oauth)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert world.get(f"{world.cloud}/2.0/repositories/acme", world.alice_oauth).status_code == 200


def test_latency_delays_the_answer(world: World):
    _fault(world, path="/2.0/user", kind="latency", delay_ms=300, times=1)
    started = time.monotonic()
    response = world.get(f"{world.cloud}/2.0/user", world.alice_oauth)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_dropped_connection(world: World):
    _fault(world, path="/2.0/user", kind="drop", times=1)
    with pytest.raises(httpx.TransportError):
        world.get(f"{world.cloud}/2.0/user", world.alice_oauth)
    assert world.get(f"{world.cloud}/2.0/user", world.alice_oauth).status_code == 200


def test_control_api_is_never_faulted(world: World):
    _fault(world, path=".*", kind="status", status=503)
    assert world.emulator.control("GET", "/state")["faults"][0]["status"] == 503
    world.emulator.control("DELETE", "/faults")
    assert world.get(f"{world.cloud}/2.0/user", world.alice_oauth).status_code == 200


def test_bad_fault_definitions_are_refused(world: World):
    for body in ({"kind": "status"}, {"path": "(", "kind": "status"}, {"path": "x", "kind": "explode"}):
        response = httpx.post(f"{world.emulator.base_url}/_emulator/faults", json=body)
        assert response.status_code == 400


def test_request_log_counts_hook_creations_and_redacts_credentials(world: World):
    world.emulator.control("DELETE", "/requests")
    hooks = f"{world.cloud}/2.0/repositories/acme/webapp/hooks"
    world.get(hooks, world.alice_oauth)
    world.request("POST", hooks, world.alice_oauth,
                  json={"url": "https://portal.example/h", "events": ["repo:push"], "secret": "hush"})
    created = world.emulator.requests(path=r"/hooks$", method="POST")
    assert len(created) == 1
    entry = created[0]
    assert entry["path"] == "/2.0/repositories/acme/webapp/hooks"
    assert entry["headers"]["Authorization"] == "Bearer ***"
    assert entry["json"] == {"url": "https://portal.example/h", "events": ["repo:push"], "secret": "***"}
    assert len(world.emulator.requests(path="/hooks")) == 2
    world.emulator.control("DELETE", "/requests")
    assert world.emulator.requests() == []


def test_oauth_form_secrets_are_redacted_in_the_log(world: World):
    world.emulator.control("DELETE", "/requests")
    httpx.post(f"{world.cloud}/site/oauth2/access_token",
               data={"grant_type": "refresh_token", "refresh_token": "rt", "client_id": "c", "client_secret": "cs"})
    (entry,) = world.emulator.requests(path="access_token")
    assert entry["form"] == {"grant_type": "refresh_token", "refresh_token": "***", "client_id": "c",
                             "client_secret": "***"}
