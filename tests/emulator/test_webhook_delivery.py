"""Webhook deliveries from both flavours reach a real receiver, signed so the portal's verifier agrees."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from integrations.webhooks.signatures import verify_hub_signature
from tests.emulator.receiver import Receiver, start_receiver
from tests.emulator.seeded import SeededEmulator


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found, server = start_receiver()
    yield found
    server.shutdown()
    server.server_close()


def _cloud_hook(seeded: SeededEmulator, url: str, events: list[str], secret: str | None = "cloud-secret",
                active: bool = True) -> dict:
    body = {"url": url, "events": events, "active": active, "description": "portal"}
    if secret:
        body["secret"] = secret
    response = seeded.request("POST", f"{seeded.cloud}/2.0/repositories/acme/webapp/hooks", seeded.alice_oauth,
                             json=body)
    assert response.status_code == 201
    return response.json()


def test_cloud_push_is_delivered_signed(seeded: SeededEmulator, receiver: Receiver):
    hook = _cloud_hook(seeded, receiver.url, ["repo:push"])
    result = seeded.emulator.control("POST", "/cloud/events",
                                    json={"event": "repo:push", "repository": "acme/webapp", "branch": "main"})
    assert len(receiver.deliveries) == 1
    delivery = receiver.deliveries[0]
    headers = delivery.headers
    assert headers["X-Event-Key"] == "repo:push"
    assert headers["X-Hook-UUID"] == hook["uuid"].strip("{}")
    assert headers["X-Request-UUID"] == result["deliveries"][0]["delivery_id"]
    assert headers["X-Attempt-Number"] == "1"
    assert headers["User-Agent"] == "Bitbucket-Webhooks/2.0"
    assert verify_hub_signature("cloud-secret", delivery.body, headers["X-Hub-Signature"])
    assert not verify_hub_signature("other-secret", delivery.body, headers["X-Hub-Signature"])
    payload = json.loads(delivery.body)
    change = payload["push"]["changes"][0]
    assert change["new"]["name"] == "main"
    assert change["new"]["target"]["hash"] == result["created"]["commit"]
    assert change["old"]["target"]["hash"] == result["created"]["previous"]
    assert payload["repository"]["full_name"] == "acme/webapp"
    assert payload["actor"]["nickname"] == "alice-bb"
    # The push moved the branch the REST API reports.
    branch = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp/refs/branches/main", seeded.alice_oauth)
    assert branch.json()["target"]["hash"] == result["created"]["commit"]


def test_cloud_retries_a_5xx_twice(seeded: SeededEmulator, receiver: Receiver):
    receiver.statuses = [500]
    _cloud_hook(seeded, receiver.url, ["repo:push"])
    result = seeded.emulator.control("POST", "/cloud/events", json={"event": "repo:push", "repository": "acme/webapp"})
    assert [d.headers["X-Attempt-Number"] for d in receiver.deliveries] == ["1", "2", "3"]
    assert len({d.headers["X-Request-UUID"] for d in receiver.deliveries}) == 1
    attempts = result["deliveries"][0]["attempts"]
    assert [a["status"] for a in attempts] == [500, 500, 500]
    assert result["deliveries"][0]["delivered"] is False


def test_cloud_stops_retrying_after_success(seeded: SeededEmulator, receiver: Receiver):
    receiver.statuses = [503, 200]
    _cloud_hook(seeded, receiver.url, ["repo:push"])
    result = seeded.emulator.control("POST", "/cloud/events", json={"event": "repo:push", "repository": "acme/webapp"})
    assert [a["status"] for a in result["deliveries"][0]["attempts"]] == [503, 200]
    assert len(receiver.deliveries) == 2


def test_cloud_pull_request_created_reaches_only_subscribed_active_hooks(seeded: SeededEmulator, receiver: Receiver):
    _cloud_hook(seeded, receiver.url + "/push-only", ["repo:push"])
    _cloud_hook(seeded, receiver.url + "/inactive", ["pullrequest:created"], active=False)
    _cloud_hook(seeded, receiver.url + "/unsigned", ["pullrequest:created"], secret=None)
    result = seeded.emulator.control("POST", "/cloud/events", json={
        "event": "pullrequest:created", "repository": "acme/webapp", "source": "feature/new", "title": "New"})
    assert [d.path for d in receiver.deliveries] == ["/hooks/bitbucket/unsigned"]
    delivery = receiver.deliveries[0]
    assert "X-Hub-Signature" not in delivery.headers
    payload = json.loads(delivery.body)
    assert payload["pullrequest"]["id"] == result["created"]["pullrequest"] == 2
    assert payload["pullrequest"]["source"]["branch"]["name"] == "feature/new"
    pr = seeded.get(f"{seeded.cloud}/2.0/repositories/acme/webapp/pullrequests/2", seeded.alice_oauth)
    assert pr.json()["title"] == "New"


def _server_hook(seeded: SeededEmulator, url: str, events: list[str], secret: str = "server-secret") -> dict:
    response = seeded.request("POST", f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/webhooks",
                             seeded.server_admin_token,
                             json={"name": "portal", "url": url, "events": events, "configuration": {"secret": secret}})
    assert response.status_code == 200
    return response.json()


def test_server_refs_changed_is_delivered_signed(seeded: SeededEmulator, receiver: Receiver):
    _server_hook(seeded, receiver.url, ["repo:refs_changed"])
    result = seeded.emulator.control("POST", "/server/events", json={
        "event": "repo:refs_changed", "repository": "ACME/backend", "branch": "master"})
    (delivery,) = receiver.deliveries
    assert delivery.headers["X-Event-Key"] == "repo:refs_changed"
    assert delivery.headers["X-Request-Id"] == result["deliveries"][0]["delivery_id"]
    assert verify_hub_signature("server-secret", delivery.body, delivery.headers["X-Hub-Signature"])
    payload = json.loads(delivery.body)
    assert payload["eventKey"] == "repo:refs_changed"
    assert payload["changes"][0]["toHash"] == result["created"]["commit"]
    assert payload["changes"][0]["refId"] == "refs/heads/master"
    assert payload["repository"]["links"]["self"][0]["href"].startswith(seeded.server)


def test_server_does_not_retry(seeded: SeededEmulator, receiver: Receiver):
    receiver.statuses = [500]
    _server_hook(seeded, receiver.url, ["repo:refs_changed"])
    seeded.emulator.control("POST", "/server/events", json={"event": "repo:refs_changed", "repository": "ACME/backend"})
    assert len(receiver.deliveries) == 1


def test_server_pr_opened_and_iso_dates_from_dc_10_3(seeded: SeededEmulator, receiver: Receiver):
    _server_hook(seeded, receiver.url, ["pr:opened"])
    seeded.emulator.control("POST", "/server/events", json={
        "event": "pr:opened", "repository": "ACME/backend", "source": "feature/y"})
    first = json.loads(receiver.deliveries[0].body)
    assert first["pullRequest"]["fromRef"]["displayId"] == "feature/y"
    assert isinstance(first["pullRequest"]["createdDate"], int)
    seeded.emulator.control("POST", "/server/settings", json={"version": "10.3.0"})
    seeded.emulator.control("POST", "/server/events", json={
        "event": "pr:opened", "repository": "ACME/backend", "source": "feature/z"})
    second = json.loads(receiver.deliveries[1].body)
    assert second["pullRequest"]["createdDate"].endswith("Z")


def test_server_test_connection_sends_diagnostics_ping(seeded: SeededEmulator, receiver: Receiver):
    hook = _server_hook(seeded, receiver.url, ["repo:refs_changed"])
    response = seeded.request(
        "POST", f"{seeded.server}/rest/api/1.0/projects/ACME/repos/backend/webhooks/test",
        seeded.server_admin_token, params={"webhookId": str(hook["id"])})
    assert response.status_code == 200
    assert response.json()["response"]["statusCode"] == 200
    seeded.emulator.control("POST", "/server/events", json={"event": "diagnostics:ping", "repository": "ACME/backend"})
    assert [d.headers["X-Event-Key"] for d in receiver.deliveries] == ["diagnostics:ping"] * 2
    for delivery in receiver.deliveries:
        assert json.loads(delivery.body) == {"test": True}
        assert verify_hub_signature("server-secret", delivery.body, delivery.headers["X-Hub-Signature"])


def test_unreachable_receiver_is_recorded_not_raised(seeded: SeededEmulator):
    _cloud_hook(seeded, "http://127.0.0.1:9/nothing-listens", ["repo:push"])
    result = seeded.emulator.control("POST", "/cloud/events", json={"event": "repo:push", "repository": "acme/webapp"})
    attempts = result["deliveries"][0]["attempts"]
    assert len(attempts) == 3 and all(a["status"] is None and a["error"] for a in attempts)
