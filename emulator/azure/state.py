"""Azure DevOps' own state and settings, kept under its name. One mount (/azure) holds the three hosts the
portal talks to: Microsoft Entra ID (/azure/entra), the profile service (/azure/vssps) and the
organizations (/azure/dev/{organization})."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.forge.models import ForgeSettings, ForgeState

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.store import State

NAME = "azure"
MOUNT = "/azure"


def azure_state(state: State) -> ForgeState:
    return state.flavours[NAME]


def azure_settings(settings: Settings) -> ForgeSettings:
    return settings.flavours[NAME]
