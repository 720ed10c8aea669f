"""The emulator's settings: its public URL, and each flavour's own settings under the flavour's name."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Settings:
    """Everything the control API may change at run time lives here, under the store lock."""

    public_url: str
    # Flavour name -> that flavour's settings dataclass (emulator/<flavour>/state.py).
    flavours: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> Settings:
        """A copy whose flavour settings can change without touching these (reset goes back to them)."""
        return Settings(self.public_url, {name: copy.copy(value) for name, value in self.flavours.items()})
