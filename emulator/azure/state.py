"""Azure DevOps' own state and settings, kept under its name. One mount (/azure) holds the three hosts the
portal talks to: Microsoft Entra ID (/azure/entra), the profile service (/azure/vssps) and the
organizations (/azure/dev/{organization})."""

from __future__ import annotations

from emulator.forge.flavour import accessors

NAME = "azure"
MOUNT = "/azure"

azure_state, azure_settings = accessors(NAME)
