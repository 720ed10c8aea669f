"""An emulator seeded with a small Cloud + Server state through the control API, shared by the emulator tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from emulator.testing import RunningEmulator

ALL_CLOUD_SCOPES = ["account", "email", "repository", "repository:write", "pullrequest", "issue", "webhook"]
CLOUD_REPOS = ["webapp", "api", "docs", "infra", "mobile"]


@dataclass
class SeededEmulator:
    emulator: RunningEmulator
    alice_oauth: str
    alice_api_token: str
    alice_app_password: str
    bob_oauth: str
    server_admin_token: str
    server_bob_token: str

    @property
    def cloud(self) -> str:
        return self.emulator.cloud_api_url

    @property
    def server(self) -> str:
        return self.emulator.server_url

    def get(self, url: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(url, headers=headers, timeout=10, **kwargs)

    def request(self, method: str, url: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(method, url, headers=headers, timeout=10, **kwargs)


def seed_emulator(emu: RunningEmulator) -> SeededEmulator:
    c = emu.control
    c("POST", "/cloud/users", json={"username": "alice-bb", "display_name": "Alice Liddell",
                                    "email": "alice@acme.example"})
    c("POST", "/cloud/users", json={"username": "bob-bb", "display_name": "Bob Builder", "email": "bob@acme.example"})
    c("POST", "/cloud/users", json={"username": "carol-bb", "display_name": "Carol Outsider",
                                    "email": "carol@else.example"})
    c("POST", "/cloud/workspaces", json={"slug": "acme", "members": {"alice-bb": "owner", "bob-bb": "member"}})
    c("POST", "/cloud/workspaces", json={"slug": "elsewhere", "members": {"carol-bb": "owner"}})
    c("POST", "/cloud/repositories", json={
        "workspace": "acme", "slug": "webapp", "branches": ["feature/login"], "tags": ["v1.0.0"],
        "pullrequests": [{"title": "Add login", "source": "feature/login"}],
        "issues": [{"title": "Broken button", "content": "It is broken."}]})
    for slug in CLOUD_REPOS[1:]:
        c("POST", "/cloud/repositories", json={"workspace": "acme", "slug": slug,
                                               "permissions": {"bob-bb": "write"} if slug == "api" else {}})
    c("POST", "/cloud/repositories", json={"workspace": "elsewhere", "slug": "secret-sauce"})

    def cloud_token(**body) -> str:
        return c("POST", "/cloud/tokens", json=body)["token"]

    alice_oauth = cloud_token(kind="oauth", user="alice-bb", scopes=ALL_CLOUD_SCOPES)
    alice_api_token = cloud_token(kind="api_token", user="alice-bb",
                                  scopes=["read:user:bitbucket", "read:repository:bitbucket"])
    alice_app_password = cloud_token(kind="app_password", user="alice-bb", scopes=["account", "repository"])
    bob_oauth = cloud_token(kind="oauth", user="bob-bb", scopes=ALL_CLOUD_SCOPES)

    c("POST", "/server/users", json={"slug": "alice", "display_name": "Alice Liddell", "email": "alice@acme.example",
                                     "password": "alice-pw"})
    c("POST", "/server/users", json={"slug": "bob", "display_name": "Bob Builder", "email": "bob@acme.example"})
    c("POST", "/server/projects", json={"key": "ACME", "name": "Acme Platform",
                                        "permissions": {"alice": "PROJECT_ADMIN", "bob": "PROJECT_READ"}})
    c("POST", "/server/repositories", json={
        "project": "ACME", "slug": "backend", "branches": ["feature/x"], "tags": ["v2.0.0"],
        "pull_requests": [{"title": "X", "source": "feature/x"}]})
    for slug in ("frontend", "tools"):
        c("POST", "/server/repositories", json={"project": "ACME", "slug": slug})
    c("POST", "/server/repositories", json={"project": "~alice", "slug": "notes"})
    server_admin = c("POST", "/server/tokens", json={"level": "user", "user": "alice",
                                                     "permissions": ["PROJECT_ADMIN", "REPO_ADMIN"]})["token"]
    server_bob = c("POST", "/server/tokens", json={"level": "user", "user": "bob",
                                                   "permissions": ["REPO_READ"]})["token"]
    return SeededEmulator(emu, alice_oauth, alice_api_token, alice_app_password, bob_oauth, server_admin, server_bob)
