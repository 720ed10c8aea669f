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


# --- GitHub, GitLab, Azure DevOps: alice, with tokens minted per test through the control API ---------------


class ForgeAccount:
    """One forge flavour of the emulator with user `alice`; `token(**spec)` mints a pasted token."""

    def __init__(self, emulator: RunningEmulator, flavour: str) -> None:
        self.emulator = emulator
        self.flavour = flavour
        self.url = emulator.url_of(flavour)

    def token(self, **spec) -> str:
        return self.emulator.control("POST", f"/{self.flavour}/tokens", json={"user": "alice", **spec})["token"]

    def fault(self, path: str, kind: str = "status", **extra) -> None:
        self.emulator.control("POST", "/faults", json={"path": path, "kind": kind, **extra})


def _forge(emulator: RunningEmulator, flavour: str) -> ForgeAccount:
    emulator.control("POST", f"/{flavour}/users", json={"username": "alice", "display_name": "Alice Archer",
                                                        "email": "alice@example.com"})
    return ForgeAccount(emulator, flavour)


@pytest.fixture
def github(emulator: RunningEmulator) -> ForgeAccount:
    return _forge(emulator, "github")


@pytest.fixture
def gitlab(emulator: RunningEmulator) -> ForgeAccount:
    return _forge(emulator, "gitlab")


@pytest.fixture
def azure(emulator: RunningEmulator, settings) -> ForgeAccount:
    account = _forge(emulator, "azure")
    settings.AZURE_DEVOPS_URL = account.url + "/dev"
    settings.AZURE_DEVOPS_PROFILE_URL = account.url + "/vssps"
    settings.MICROSOFT_ENTRA_URL = account.url + "/entra"
    emulator.control("POST", "/azure/repositories", json={"owner": "acme/Platform", "name": "webapp",
                                                          "members": {"alice": "admin"}})
    return account
