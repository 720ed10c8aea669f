"""Bitbucket Server's part of the named seeds (``--seed demo``). Documented in emulator/README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.control_common import call
from emulator.server import control

if TYPE_CHECKING:
    from emulator.app import Emulator


def demo(app: Emulator) -> None:
    call(app, control.create_user, {"slug": "alice", "display_name": "Alice Liddell", "email": "alice@acme.example",
                                    "password": "alice-password"})
    call(app, control.create_user, {"slug": "bob", "display_name": "Bob Builder", "email": "bob@acme.example",
                                    "password": "bob-password"})
    call(app, control.create_project, {"key": "ACME", "name": "Acme Platform",
                                       "permissions": {"alice": "PROJECT_ADMIN", "bob": "PROJECT_READ"}})
    call(app, control.create_repository, {"project": "ACME", "slug": "backend", "name": "backend",
                                          "branches": ["feature/api-v2"], "tags": ["v2.0.0"],
                                          "pull_requests": [{"title": "API v2", "source": "feature/api-v2"}]})
    for slug in ("frontend", "tools"):
        call(app, control.create_repository, {"project": "ACME", "slug": slug})
    call(app, control.create_repository, {"project": "~alice", "slug": "notes"})
    call(app, control.create_token, {"level": "user", "user": "alice", "value": "BBDC-DemoAliceHttpAccessToken0001",
                                     "permissions": ["PROJECT_ADMIN", "REPO_ADMIN"], "name": "demo"})
    call(app, control.create_token, {"level": "repository", "project": "ACME", "repository": "backend",
                                     "value": "BBDC-DemoBackendRepoToken0001", "permissions": ["REPO_READ"],
                                     "name": "demo read"})
