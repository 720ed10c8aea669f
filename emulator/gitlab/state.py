"""GitLab's own state and settings (a self-managed-shaped instance under /gitlab), kept under its name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.forge.models import ForgeSettings, ForgeState

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.store import State

NAME = "gitlab"
MOUNT = "/gitlab"


def gitlab_state(state: State) -> ForgeState:
    return state.flavours[NAME]


def gitlab_settings(settings: Settings) -> ForgeSettings:
    return settings.flavours[NAME]
