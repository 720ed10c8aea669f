"""Bitbucket Server / Data Center's own state and settings, kept under its name in the emulator's store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from emulator.server.models import OAuthClient, Project, ServerRefreshToken, ServerRepository, ServerToken, ServerUser

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.store import State

NAME = "server"
MOUNT = "/bbs"
DEFAULT_CONTEXT_PATH = "/bitbucket"
DEFAULT_VERSION = "8.19.1"
# Bitbucket DC's incoming application link hands out one-hour access tokens.
DEFAULT_ACCESS_TOKEN_TTL = 3600
MISCONFIGURED_ORIGIN = "http://localhost:7990"


def normalize_context_path(value: str) -> str:
    value = value.strip().strip("/")
    return f"/{value}" if value else ""


@dataclass
class ServerSettings:
    """What the control API may change at run time (`POST /_emulator/server/settings`)."""

    public_url: str
    context_path: str = DEFAULT_CONTEXT_PATH
    version: str = DEFAULT_VERSION
    misconfigured_base_url: bool = False
    access_token_ttl: int = DEFAULT_ACCESS_TOKEN_TTL

    @property
    def mount(self) -> str:
        return MOUNT + self.context_path

    @property
    def url(self) -> str:
        """The base URL a user registers for the instance."""
        return self.public_url + self.mount

    @property
    def link_base(self) -> str:
        """Where links in responses point: wrong on purpose when misconfigured."""
        if self.misconfigured_base_url:
            return MISCONFIGURED_ORIGIN + self.context_path
        return self.url

    @property
    def host(self) -> str:
        origin = MISCONFIGURED_ORIGIN if self.misconfigured_base_url else self.public_url
        return origin.split("://", 1)[1].split(":", 1)[0]


@dataclass
class ServerState:
    users: dict[str, ServerUser] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)  # key upper-cased ("~SLUG" too)
    repos: dict[tuple[str, str], ServerRepository] = field(default_factory=dict)
    oauth_clients: dict[str, OAuthClient] = field(default_factory=dict)
    tokens: dict[str, ServerToken] = field(default_factory=dict)
    refresh_tokens: dict[str, ServerRefreshToken] = field(default_factory=dict)

    def repo(self, project_key: str, slug: str) -> ServerRepository | None:
        return self.repos.get((project_key.upper(), slug.lower()))

    def user_by_name(self, name: str) -> ServerUser | None:
        lowered = name.lower()
        for user in self.users.values():
            if user.name.lower() == lowered or user.slug == lowered:
                return user
        return None


def server_state(state: State) -> ServerState:
    return state.flavours[NAME]


def server_settings(settings: Settings) -> ServerSettings:
    return settings.flavours[NAME]
