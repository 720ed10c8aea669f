"""GitLab (shaped like a self-managed instance, under /gitlab): OAuth applications with PKCE and rotating
refresh tokens, REST /api/v4 for the calls the portal makes. `FLAVOUR` is what the core needs."""

from __future__ import annotations

import argparse

from emulator.flavour import Flavour
from emulator.forge import control as forge_control
from emulator.forge.models import ForgeSettings, ForgeState
from emulator.gitlab import routes, seed
from emulator.gitlab.state import MOUNT, NAME, gitlab_settings, gitlab_state
from emulator.httpcore import Router


def _settings(args: argparse.Namespace, public_url: str) -> ForgeSettings:
    return ForgeSettings(url=public_url + MOUNT)


def _control(router: Router) -> None:
    forge_control.register(router, NAME, gitlab_state, gitlab_settings,
                           token_kinds=("personal", "group", "project"), token_prefix="glpat-")


FLAVOUR = Flavour(
    name=NAME,
    add_arguments=lambda parser: None,
    settings_from_args=_settings,
    new_state=ForgeState,
    mount=lambda settings: MOUNT,
    register_routes=routes.register,
    register_control=_control,
    error_response=routes.error,
    summary=lambda app: forge_control.summary(gitlab_state(app.state), gitlab_settings(app.settings), NAME),
    seeds={"demo": seed.demo},
)
