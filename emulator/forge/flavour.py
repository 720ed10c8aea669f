"""What GitHub, GitLab and Azure DevOps register alike: their state and settings kept under their name, their
control routes, their `/_emulator/state` summary, and the `Flavour` the core takes. A forge flavour's
`__init__.py` is one `forge_flavour(...)` call with what differs (mount, token kinds, seeds)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from emulator.flavour import Flavour
from emulator.forge import control as forge_control
from emulator.forge.models import ForgeSettings, ForgeState
from emulator.httpcore import Router

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.store import State


def accessors(name: str) -> tuple[Callable[[State], ForgeState], Callable[[Settings], ForgeSettings]]:
    """(state_of, settings_of): the flavour's own state and settings, kept under its name."""

    def state_of(state: State) -> ForgeState:
        return state.flavours[name]

    def settings_of(settings: Settings) -> ForgeSettings:
        return settings.flavours[name]

    return state_of, settings_of


def forge_flavour(*, name: str, mount: str, routes: ModuleType, seeds: Mapping[str, Callable[[Any], None]],
                  token_kinds: tuple[str, ...], token_prefix: str, access_token_ttl: int | None = None,
                  urls: Mapping[str, str] | None = None) -> Flavour:
    """`routes` has `register(router)` and `error(status, message)`; `urls` names the hosts under the mount
    that `/_emulator/state` lists (suffixes of the mount's URL), instead of the mount's URL under `name`."""
    state_of, settings_of = accessors(name)

    def settings_from_args(args: argparse.Namespace, public_url: str) -> ForgeSettings:
        if access_token_ttl is None:
            return ForgeSettings(url=public_url + mount)
        return ForgeSettings(url=public_url + mount, access_token_ttl=access_token_ttl)

    def register_control(router: Router) -> None:
        forge_control.register(router, name, state_of, settings_of, token_kinds=token_kinds,
                               token_prefix=token_prefix)

    def summary(app) -> dict[str, Any]:
        out = forge_control.summary(state_of(app.state), settings_of(app.settings), name)
        if urls:
            base = settings_of(app.settings).url
            out["urls"] = {key: base + suffix for key, suffix in urls.items()}
        return out

    return Flavour(
        name=name,
        add_arguments=lambda parser: None,
        settings_from_args=settings_from_args,
        new_state=ForgeState,
        mount=lambda settings: mount,
        register_routes=routes.register,
        register_control=register_control,
        error_response=lambda status, message: routes.error(status, message),
        summary=summary,
        seeds=dict(seeds),
    )
