"""GitLab (shaped like a self-managed instance, under /gitlab): OAuth applications with PKCE and rotating
refresh tokens, REST /api/v4 for the calls the portal makes. `FLAVOUR` is what the core needs."""

from __future__ import annotations

from emulator.forge.flavour import forge_flavour
from emulator.gitlab import routes, seed
from emulator.gitlab.state import MOUNT, NAME

FLAVOUR = forge_flavour(name=NAME, mount=MOUNT, routes=routes, seeds={"demo": seed.demo},
                        token_kinds=("personal", "group", "project"), token_prefix="glpat-")
