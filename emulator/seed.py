"""Named seeds (``--seed demo``): a small world to click through. Documented in README.md."""

from __future__ import annotations

import json
from email.message import Message
from typing import TYPE_CHECKING, Any

from emulator import control_cloud, control_server
from emulator.httpcore import Request

if TYPE_CHECKING:
    from emulator.app import Emulator

SEEDS = ("demo",)
DEMO_CLOUD_TOKENS = [
    {"kind": "api_token", "user": "alice-bb", "value": "ATATT3xDemoAliceApiToken0001",
     "scopes": ["read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
                "read:pullrequest:bitbucket", "read:webhook:bitbucket", "write:webhook:bitbucket"]},
    {"kind": "app_password", "user": "alice-bb", "value": "ATBBDemoAliceAppPassword0001",
     "scopes": ["account", "email", "repository", "pullrequest", "webhook"]},
    {"kind": "repository_access_token", "repository": "acme/webapp", "value": "ATCTT3xDemoWebappRepoToken0001",
     "scopes": ["repository", "pullrequest", "webhook"]},
]


def apply(app: Emulator, name: str) -> None:
    if name not in SEEDS:
        raise ValueError(f"Unknown seed {name!r}; known seeds: {', '.join(SEEDS)}")
    with app.state.lock:
        _demo(app)


def _call(app: Emulator, handler, body: dict[str, Any]) -> None:
    headers = Message()
    headers["Content-Type"] = "application/json"
    response = handler(app, Request("POST", "/seed", {}, headers, json.dumps(body).encode()))
    if response.status >= 300:
        raise RuntimeError(f"Seeding failed: {response.body.decode()}")


def _demo(app: Emulator) -> None:
    cloud = control_cloud
    _call(app, cloud.create_user, {"username": "alice-bb", "display_name": "Alice Liddell",
                                   "email": "alice@acme.example",
                                   "other_emails": [{"email": "alice@wonderland.example", "is_confirmed": False}]})
    _call(app, cloud.create_user, {"username": "bob-bb", "display_name": "Bob Builder", "email": "bob@acme.example"})
    _call(app, cloud.create_workspace, {"slug": "acme", "name": "Acme", "members": {
        "alice-bb": "owner", "bob-bb": "member"}, "projects": [{"key": "PLAT", "name": "Platform"}]})
    _call(app, cloud.create_workspace, {"slug": "alice-bb", "name": "Alice Liddell",
                                        "members": {"alice-bb": "owner"}})
    _call(app, cloud.create_repository, {
        "workspace": "acme", "slug": "webapp", "name": "webapp", "description": "The customer-facing web app",
        "language": "python", "branches": ["feature/login"], "tags": ["v1.0.0"],
        "pullrequests": [{"title": "Add login page", "source": "feature/login"}],
        "issues": [{"title": "Login button is misaligned", "content": "It sits 3px too low."}],
    })
    for slug in ("api", "docs", "infra", "mobile"):
        _call(app, cloud.create_repository, {"workspace": "acme", "slug": slug, "description": f"Acme {slug}"})
    _call(app, cloud.create_repository, {"workspace": "alice-bb", "slug": "dotfiles", "is_private": False})
    # Fixed values, so the demo's "paste a token" flows can be clicked through (README lists them).
    for token in DEMO_CLOUD_TOKENS:
        _call(app, cloud.create_token, token)

    server = control_server
    _call(app, server.create_user, {"slug": "alice", "display_name": "Alice Liddell", "email": "alice@acme.example",
                                    "password": "alice-password"})
    _call(app, server.create_user, {"slug": "bob", "display_name": "Bob Builder", "email": "bob@acme.example",
                                    "password": "bob-password"})
    _call(app, server.create_project, {"key": "ACME", "name": "Acme Platform",
                                       "permissions": {"alice": "PROJECT_ADMIN", "bob": "PROJECT_READ"}})
    _call(app, server.create_repository, {"project": "ACME", "slug": "backend", "name": "backend",
                                          "branches": ["feature/api-v2"], "tags": ["v2.0.0"],
                                          "pull_requests": [{"title": "API v2", "source": "feature/api-v2"}]})
    for slug in ("frontend", "tools"):
        _call(app, server.create_repository, {"project": "ACME", "slug": slug})
    _call(app, server.create_repository, {"project": "~alice", "slug": "notes"})
    _call(app, server.create_token, {"level": "user", "user": "alice", "value": "BBDC-DemoAliceHttpAccessToken0001",
                                     "permissions": ["PROJECT_ADMIN", "REPO_ADMIN"], "name": "demo"})
