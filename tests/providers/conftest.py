"""Fixtures: a Cloud account (alice, workspaces acme + globex) and a Server account (bob, project PRJ)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import RunningEmulator
from tests.providers.accounts import CloudAccount, ServerAccount


@pytest.fixture
def cloud(emulator: RunningEmulator) -> Iterator[CloudAccount]:
    control = emulator.control
    control(
        "POST",
        "/cloud/users",
        json={
            "username": "alice",
            "display_name": "Alice Archer",
            "email": "alice@example.com",
            "other_emails": [{"email": "alice@old.example", "is_confirmed": False}],
        },
    )
    control("POST", "/cloud/users", json={"username": "carol"})
    control("POST", "/cloud/workspaces", json={"slug": "acme", "owner": "alice"})
    control("POST", "/cloud/workspaces", json={"slug": "globex", "owner": "carol", "members": {"alice": "member"}})
    token = control("POST", "/cloud/tokens", json={"kind": "oauth", "user": "alice"})["token"]
    yield CloudAccount(emulator, token)


@pytest.fixture
def server(emulator: RunningEmulator) -> Iterator[ServerAccount]:
    control = emulator.control
    control(
        "POST",
        "/server/users",
        json={"slug": "bob", "display_name": "Bob Builder", "email": "bob@example.com", "password": "pw-bob"},
    )
    control("POST", "/server/projects", json={"key": "PRJ", "permissions": {"bob": "PROJECT_ADMIN"}})
    token = control("POST", "/server/tokens", json={"level": "user", "user": "bob", "permissions": ["REPO_ADMIN"]})[
        "token"
    ]
    yield ServerAccount(emulator, token)
