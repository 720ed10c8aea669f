"""GitLab's part of the demo seed: alice, a bot of a group access token, and tokens to paste."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.forge.seeding import seed_forge
from emulator.gitlab import state

if TYPE_CHECKING:
    from emulator.app import Emulator

DEMO_TOKENS = [
    {"user": "alice", "kind": "personal", "value": "glpat-DemoAlicePersonal00001",
     "scopes": ["read_user", "read_api", "read_repository", "write_repository"], "name": "portal"},
    {"user": "group_42_bot", "kind": "group", "value": "glpat-DemoAcmeGroupToken0001",
     "scopes": ["read_api", "read_repository", "write_repository"], "name": "acme group token"},
]


def demo(app: Emulator) -> None:
    seed_forge(app, state.NAME,
               users=[{"username": "alice", "display_name": "Alice Liddell", "email": "alice@acme.example"},
                      {"username": "group_42_bot", "display_name": "acme group token", "bot": True,
                       "email": "group_42_bot@noreply.gitlab.example"}],
               repositories=[{"owner": "acme/platform", "name": "webapp", "members": {"alice": "admin"}}],
               tokens=DEMO_TOKENS)
