"""A commit build status in the portal's words; each provider package turns it into its own wire format
(`<provider>/statuses.py`)."""

from __future__ import annotations

from dataclasses import dataclass

IN_PROGRESS = "in_progress"
SUCCESSFUL = "successful"
FAILED = "failed"
STOPPED = "stopped"
STATES = (IN_PROGRESS, SUCCESSFUL, FAILED, STOPPED)


@dataclass(frozen=True)
class BuildStatus:
    key: str  # one per project: a new status with the same key replaces the commit's previous one
    state: str  # one of STATES
    name: str
    url: str  # back to the portal's page for this build
    description: str = ""
    ref: str = ""  # refs/heads/<branch> the commit was built for, when known

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"Unknown build state {self.state!r}")


def clipped(value: str, limit: int = 255) -> str:
    """Both Bitbucket APIs refuse fields over 255 characters; a long description is cut, not refused."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
