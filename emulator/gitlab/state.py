"""GitLab's own state and settings (a self-managed-shaped instance under /gitlab), kept under its name."""

from __future__ import annotations

from emulator.forge.flavour import accessors

NAME = "gitlab"
MOUNT = "/gitlab"

gitlab_state, gitlab_settings = accessors(NAME)
