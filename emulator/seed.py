"""Named seeds (``--seed demo``): a small world to click through, each flavour filling its own part.
Documented in README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulator.app import Emulator

SEEDS = ("demo",)


def apply(app: Emulator, name: str) -> None:
    if name not in SEEDS:
        raise ValueError(f"Unknown seed {name!r}; known seeds: {', '.join(SEEDS)}")
    with app.state.lock:
        for flavour in app.flavours:
            seed = flavour.seeds.get(name)
            if seed is not None:
                seed(app)
