"""Bitbucket Cloud: OAuth 2.0 under /site/oauth2, REST 2.0 under /2.0, webhook deliveries.

Served at the root of the emulator (web URL == API URL). `FLAVOUR` is what the core needs.
"""

from __future__ import annotations

import argparse

from emulator.cloud import control, routes, seed
from emulator.cloud.state import DEFAULT_ACCESS_TOKEN_TTL, NAME, CloudSettings, CloudState
from emulator.flavour import Flavour
from emulator.httpcore import Response


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--access-token-ttl", type=int, default=DEFAULT_ACCESS_TOKEN_TTL,
                        help="Cloud OAuth access token lifetime in seconds")


def _settings(args: argparse.Namespace, public_url: str) -> CloudSettings:
    return CloudSettings(url=public_url, access_token_ttl=args.access_token_ttl)


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"type": "error", "error": {"message": message}})


FLAVOUR = Flavour(
    name=NAME,
    add_arguments=_add_arguments,
    settings_from_args=_settings,
    new_state=CloudState,
    mount=lambda settings: "",
    register_routes=routes.register,
    register_control=control.register,
    error_response=_error,
    summary=control.summary,
    seeds={"demo": seed.demo},
)
