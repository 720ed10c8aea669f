from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Cloud's timestamp style: ISO 8601 with microseconds and an explicit offset."""
    return moment.isoformat()


def epoch_ms(moment: datetime) -> int:
    """Server's timestamp style (before DC 10.3): epoch milliseconds."""
    return int(moment.timestamp() * 1000)


def monotonic() -> float:
    return time.monotonic()
