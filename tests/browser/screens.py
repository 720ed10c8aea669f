"""Screenshots for people to look at: `SCREENS_DIR=/some/dir pytest tests/browser/test_layout.py` saves a PNG
of every page the layout tests visit, at each width; without SCREENS_DIR nothing is written."""

from __future__ import annotations

import os
from pathlib import Path


def shoot(page, name: str, *, full_page: bool = True) -> None:
    target = os.environ.get("SCREENS_DIR")
    if not target:
        return
    Path(target).mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(Path(target) / f"{name}-{width}.png"), full_page=full_page)
