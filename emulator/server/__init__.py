"""Bitbucket Server / Data Center: REST 1.0, OAuth 2.0 incoming link, HTTP access tokens, webhooks.

Served under /bbs + the context path (`--server-context-path`). `FLAVOUR` is what the core needs.
"""

from __future__ import annotations

import argparse

from emulator.flavour import Flavour
from emulator.httpcore import Response
from emulator.server import control, routes, seed
from emulator.server.state import (
    DEFAULT_CONTEXT_PATH,
    DEFAULT_VERSION,
    NAME,
    ServerSettings,
    ServerState,
    normalize_context_path,
)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server-context-path", default=DEFAULT_CONTEXT_PATH,
                        help='Server context path under /bbs ("" for none)')
    parser.add_argument("--server-version", default=DEFAULT_VERSION)


def _settings(args: argparse.Namespace, public_url: str) -> ServerSettings:
    return ServerSettings(public_url=public_url, context_path=normalize_context_path(args.server_context_path),
                          version=args.server_version)


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"errors": [{"context": None, "message": message, "exceptionName": None}]})


FLAVOUR = Flavour(
    name=NAME,
    add_arguments=_add_arguments,
    settings_from_args=_settings,
    new_state=ServerState,
    mount=lambda settings: settings.mount,
    register_routes=routes.register,
    register_control=control.register,
    error_response=_error,
    summary=control.summary,
    seeds={"demo": seed.demo},
)
