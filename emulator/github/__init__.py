"""GitHub (shaped like GitHub Enterprise Server, under /github): OAuth app flow, REST /api/v3 for the calls
the portal makes. `FLAVOUR` is what the core needs."""

from __future__ import annotations

import argparse

from emulator.flavour import Flavour
from emulator.forge import control as forge_control
from emulator.forge.models import ForgeSettings, ForgeState
from emulator.github import routes, seed
from emulator.github.state import MOUNT, NAME, github_settings, github_state
from emulator.httpcore import Router


def _settings(args: argparse.Namespace, public_url: str) -> ForgeSettings:
    return ForgeSettings(url=public_url + MOUNT)


def _control(router: Router) -> None:
    forge_control.register(router, NAME, github_state, github_settings, token_kinds=("classic", "fine-grained"),
                           token_prefix="ghp_")


FLAVOUR = Flavour(
    name=NAME,
    add_arguments=lambda parser: None,
    settings_from_args=_settings,
    new_state=ForgeState,
    mount=lambda settings: MOUNT,
    register_routes=routes.register,
    register_control=_control,
    error_response=routes.error,
    summary=lambda app: forge_control.summary(github_state(app.state), github_settings(app.settings), NAME),
    seeds={"demo": seed.demo},
)
