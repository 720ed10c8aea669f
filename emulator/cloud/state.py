"""Bitbucket Cloud's own state and settings, kept under its name in the emulator's store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emulator.cloud.models import CloudRefreshToken, CloudRepository, CloudToken, CloudUser, Consumer, Workspace

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.store import State

NAME = "cloud"
DEFAULT_ACCESS_TOKEN_TTL = 7200


@dataclass
class CloudSettings:
    """What the control API may change at run time (`POST /_emulator/cloud/settings`)."""

    # Cloud web, OAuth and REST all live at the root, so web URL == API URL.
    url: str
    access_token_ttl: int = DEFAULT_ACCESS_TOKEN_TTL
    app_passwords_disabled: bool = False


@dataclass
class CloudState:
    users: dict[str, CloudUser] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    repos: dict[str, CloudRepository] = field(default_factory=dict)  # "ws/slug"
    consumers: dict[str, Consumer] = field(default_factory=dict)
    tokens: dict[str, CloudToken] = field(default_factory=dict)
    refresh_tokens: dict[str, CloudRefreshToken] = field(default_factory=dict)

    def user_by_email(self, email: str) -> CloudUser | None:
        lowered = email.lower()
        for user in self.users.values():
            if user.email.lower() == lowered:
                return user
        return None


def cloud_state(state: State) -> CloudState:
    return state.flavours[NAME]


def cloud_settings(settings: Settings) -> CloudSettings:
    return settings.flavours[NAME]
