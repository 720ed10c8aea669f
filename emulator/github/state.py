"""GitHub's own state and settings (an Enterprise Server-shaped host under /github), kept under its name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.forge.models import ForgeSettings, ForgeState

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.store import State

NAME = "github"
MOUNT = "/github"


def github_state(state: State) -> ForgeState:
    return state.flavours[NAME]


def github_settings(settings: Settings) -> ForgeSettings:
    return settings.flavours[NAME]
