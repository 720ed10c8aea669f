"""GitHub's part of the demo seed: alice, a repository, and a classic and a fine-grained token to paste."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.forge.seeding import seed_forge
from emulator.github import state

if TYPE_CHECKING:
    from emulator.app import Emulator

DEMO_TOKENS = [
    {"user": "alice", "kind": "classic", "value": "ghp_DemoAliceClassicToken000000000001",
     "scopes": ["repo", "read:user", "user:email"]},
    {"user": "alice", "kind": "fine-grained", "value": "github_pat_DemoAliceFineGrained0001"},
]


def demo(app: Emulator) -> None:
    seed_forge(app, state.NAME, users=[{"username": "alice", "display_name": "Alice Liddell",
                                        "email": "alice@acme.example"}],
               repositories=[{"owner": "acme", "name": "webapp", "members": {"alice": "admin"}}],
               tokens=DEMO_TOKENS)
