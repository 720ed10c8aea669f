"""Security events reach the audit trail: sign-in failures, API tokens, a runner credential used from a new
address (second-factor events are in test_mfa.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db


def test_a_failed_sign_in_is_recorded_with_its_address_and_never_the_password(world):
    Client().post("/accounts/login/", {"login": world.a.admin.email, "password": "guess-number-one"},
                  REMOTE_ADDR="198.51.100.23")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_label == world.a.admin.email and event.target_id == str(world.a.admin.pk)
    assert event.after == {"address": "198.51.100.23"} and event.organization is None
    assert "guess-number-one" not in str(event.__dict__)


def test_a_failed_sign_in_for_an_unknown_address_is_recorded_too():
    Client().post("/accounts/login/", {"login": "nobody@nowhere.example", "password": "x" * 12})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_label == "nobody@nowhere.example" and event.target_id == ""


def test_api_tokens_created_and_revoked_are_recorded(world, client_for):
    client = client_for(world.a.member)
    client.post(reverse("token_list"), {"name": "CI pipeline"})
    created = AuditEvent.objects.get(action="api_token.created")
    assert created.actor == world.a.member and created.after == {"name": "CI pipeline"}
    client.post(reverse("token_revoke", args=[created.target_id]))
    client.post(reverse("token_revoke", args=[created.target_id]))  # twice: recorded once
    revoked = AuditEvent.objects.get(action="api_token.revoked")
    assert revoked.target_id == created.target_id and revoked.actor == world.a.member


def test_a_runner_credential_used_from_a_new_address_is_recorded_once_per_address(world, client_for):
    reg = register_runner(world.a.org, world.a.admin)
    agent = reg.agent_client()
    for _ in range(3):
        assert agent.get("/api/runner/v1/me", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert agent.get("/api/runner/v1/me", REMOTE_ADDR="203.0.113.50").status_code == 200
    events = AuditEvent.objects.filter(action="runner.credential_new_address").order_by("id")
    assert [e.after["address"] for e in events] == ["192.0.2.1", "203.0.113.50"]
    assert events[1].after["earlier_addresses"] == ["192.0.2.1"]
    assert all(e.organization == world.a.org for e in events)
    activity = client_for(world.a.admin).get(reverse("org_activity", args=["acme"])).content.decode()
    assert "runner.credential_new_address" in activity and "203.0.113.50" in activity


def test_a_refused_credential_records_nothing(world):
    agent = Client()
    response = agent.get("/api/runner/v1/me", HTTP_AUTHORIZATION="Runner rnc_not-a-credential", REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 401
    assert not AuditEvent.objects.filter(action="runner.credential_new_address").exists()
