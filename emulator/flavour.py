"""What a flavour (Bitbucket Cloud, Bitbucket Server, ...) gives the emulator's core. Each flavour's
package builds one `Flavour` and `emulator/flavours.py` registers it in one line.

The core routes a request to the flavour whose mount its path starts with (the longest mount wins;
"" is the root), answers faults and unknown paths in the flavour's error shape, and serves the
flavour's control routes under `/_emulator/<name>/`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.httpcore import Response, Router

if TYPE_CHECKING:
    from emulator.app import Emulator


@dataclass(frozen=True)
class Flavour:
    name: str
    # Command-line options, and the flavour's settings from them and the public URL.
    add_arguments: Callable[[argparse.ArgumentParser], None]
    settings_from_args: Callable[[argparse.Namespace, str], Any]
    new_state: Callable[[], Any]
    # The path prefix its API lives under, from its settings ("" = the root).
    mount: Callable[[Any], str]
    register_routes: Callable[[Router], None]
    register_control: Callable[[Router], None]
    # (status, message) -> an error answer shaped like the real product's.
    error_response: Callable[[int, str], Response]
    # For GET /_emulator/state: {"urls": {...}, "settings": {...}, "state": {...}}.
    summary: Callable[[Emulator], dict[str, Any]]
    # Named seeds (`--seed demo`): seed name -> fill the state through the control handlers.
    seeds: dict[str, Callable[[Emulator], None]]
