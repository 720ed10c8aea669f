"""Azure DevOps' part of the demo seed: alice in organization acme, and a personal access token to paste."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.azure import state
from emulator.forge.seeding import seed_forge

if TYPE_CHECKING:
    from emulator.app import Emulator

DEMO_TOKENS = [
    {"user": "alice", "kind": "personal", "value": "azdopatDemoAlice0000000000000000000000000000000001",
     "scopes": ["vso.profile", "vso.code_write"], "name": "portal"},
]


def demo(app: Emulator) -> None:
    seed_forge(app, state.NAME,
               users=[{"username": "alice", "display_name": "Alice Liddell", "email": "alice@acme.example"}],
               repositories=[{"owner": "acme/Platform", "name": "webapp", "members": {"alice": "admin"}}],
               tokens=DEMO_TOKENS)
