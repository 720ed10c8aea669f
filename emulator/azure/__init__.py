"""Azure DevOps with Microsoft Entra ID (under /azure: /entra, /vssps, /dev/{organization}). `FLAVOUR` is what
the core needs."""

from __future__ import annotations

from emulator.azure import routes, seed
from emulator.azure.state import MOUNT, NAME
from emulator.forge.flavour import forge_flavour

FLAVOUR = forge_flavour(name=NAME, mount=MOUNT, routes=routes, seeds={"demo": seed.demo},
                        token_kinds=("personal",), token_prefix="azdopat", access_token_ttl=3600,
                        urls={"azure-entra": "/entra", "azure-profile": "/vssps", "azure-devops": "/dev"})
