"""Azure DevOps with Microsoft Entra ID (under /azure: /entra, /vssps, /dev/{organization}). `FLAVOUR` is what
the core needs."""

from __future__ import annotations

import argparse

from emulator.azure import routes, seed
from emulator.azure.state import MOUNT, NAME, azure_settings, azure_state
from emulator.flavour import Flavour
from emulator.forge import control as forge_control
from emulator.forge.models import ForgeSettings, ForgeState
from emulator.httpcore import Router


def _settings(args: argparse.Namespace, public_url: str) -> ForgeSettings:
    return ForgeSettings(url=public_url + MOUNT, access_token_ttl=3600)


def _control(router: Router) -> None:
    forge_control.register(router, NAME, azure_state, azure_settings, token_kinds=("personal",),
                           token_prefix="azdopat")


def _summary(app) -> dict:
    out = forge_control.summary(azure_state(app.state), azure_settings(app.settings), NAME)
    base = azure_settings(app.settings).url
    out["urls"] = {"azure-entra": f"{base}/entra", "azure-profile": f"{base}/vssps", "azure-devops": f"{base}/dev"}
    return out


FLAVOUR = Flavour(
    name=NAME,
    add_arguments=lambda parser: None,
    settings_from_args=_settings,
    new_state=ForgeState,
    mount=lambda settings: MOUNT,
    register_routes=routes.register,
    register_control=_control,
    error_response=lambda status, message: routes.error(status, message),
    summary=_summary,
    seeds={"demo": seed.demo},
)
