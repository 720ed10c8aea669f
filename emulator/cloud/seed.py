"""Bitbucket Cloud's part of the named seeds (``--seed demo``). Documented in emulator/README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.cloud import control
from emulator.control_common import call

if TYPE_CHECKING:
    from emulator.app import Emulator

DEMO_TOKENS = [
    {"kind": "api_token", "user": "alice-bb", "value": "ATATT3xDemoAliceApiToken0001",
     "scopes": ["read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
                "read:pullrequest:bitbucket", "read:webhook:bitbucket", "write:webhook:bitbucket"]},
    {"kind": "app_password", "user": "alice-bb", "value": "ATBBDemoAliceAppPassword0001",
     "scopes": ["account", "email", "repository", "pullrequest", "webhook"]},
    {"kind": "repository_access_token", "repository": "acme/webapp", "value": "ATCTT3xDemoWebappRepoToken0001",
     "scopes": ["repository", "pullrequest", "webhook"]},
    {"kind": "workspace_access_token", "workspace": "acme", "value": "ATCTT3xDemoAcmeWorkspaceToken0001",
     "scopes": ["repository", "pullrequest"]},
]


def demo(app: Emulator) -> None:
    call(app, control.create_user, {"username": "alice-bb", "display_name": "Alice Liddell",
                                    "email": "alice@acme.example",
                                    "other_emails": [{"email": "alice@wonderland.example", "is_confirmed": False}]})
    call(app, control.create_user, {"username": "bob-bb", "display_name": "Bob Builder", "email": "bob@acme.example"})
    call(app, control.create_workspace, {"slug": "acme", "name": "Acme", "members": {
        "alice-bb": "owner", "bob-bb": "member"}, "projects": [{"key": "PLAT", "name": "Platform"}]})
    call(app, control.create_workspace, {"slug": "alice-bb", "name": "Alice Liddell",
                                         "members": {"alice-bb": "owner"}})
    call(app, control.create_repository, {
        "workspace": "acme", "slug": "webapp", "name": "webapp", "description": "The customer-facing web app",
        "language": "python", "branches": ["feature/login"], "tags": ["v1.0.0"],
        "pullrequests": [{"title": "Add login page", "source": "feature/login"}],
        "issues": [{"title": "Login button is misaligned", "content": "It sits 3px too low."}],
    })
    for slug in ("api", "docs", "infra", "mobile"):
        call(app, control.create_repository, {"workspace": "acme", "slug": slug, "description": f"Acme {slug}"})
    call(app, control.create_repository, {"workspace": "alice-bb", "slug": "dotfiles", "is_private": False})
    # Fixed values, so the demo's "paste a token" flows can be clicked through (README lists them).
    for token in DEMO_TOKENS:
        call(app, control.create_token, token)
