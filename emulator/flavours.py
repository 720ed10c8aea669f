"""The emulated products. A new one is a package `emulator/<flavour>/` and one line here."""

from __future__ import annotations

from emulator import azure, cloud, github, gitlab, server
from emulator.flavour import Flavour

FLAVOURS: tuple[Flavour, ...] = (
    cloud.FLAVOUR,
    server.FLAVOUR,
    github.FLAVOUR,
    gitlab.FLAVOUR,
    azure.FLAVOUR,
)
