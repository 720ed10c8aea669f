"""Fixtures for the security tests."""

from __future__ import annotations

import socket

import pytest

from tests.security.local_servers import FakeDns


@pytest.fixture
def fake_dns(monkeypatch) -> FakeDns:
    """Names resolved by the attacker's resolver (see FakeDns); sockets and HTTP stay real."""
    resolver = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver


from tests.integrations.oauth_fixtures import agent_runner, oauth_world  # noqa: E402, F401
