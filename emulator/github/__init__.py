"""GitHub (shaped like GitHub Enterprise Server, under /github): OAuth app flow, REST /api/v3 for the calls
the portal makes. `FLAVOUR` is what the core needs."""

from __future__ import annotations

from emulator.forge.flavour import forge_flavour
from emulator.github import routes, seed
from emulator.github.state import MOUNT, NAME

FLAVOUR = forge_flavour(name=NAME, mount=MOUNT, routes=routes, seeds={"demo": seed.demo},
                        token_kinds=("classic", "fine-grained"), token_prefix="ghp_")
