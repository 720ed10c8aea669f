"""GitHub's own state and settings (an Enterprise Server-shaped host under /github), kept under its name."""

from __future__ import annotations

from emulator.forge.flavour import accessors

NAME = "github"
MOUNT = "/github"

github_state, github_settings = accessors(NAME)
