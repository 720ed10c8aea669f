from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SERVER_CONTEXT_PATH = "/bitbucket"
DEFAULT_SERVER_VERSION = "8.19.1"
DEFAULT_CLOUD_ACCESS_TOKEN_TTL = 7200
# Bitbucket DC's incoming application link hands out one-hour access tokens.
DEFAULT_SERVER_ACCESS_TOKEN_TTL = 3600
MISCONFIGURED_SERVER_ORIGIN = "http://localhost:7990"
SERVER_MOUNT = "/bbs"


def normalize_context_path(value: str) -> str:
    value = value.strip().strip("/")
    return f"/{value}" if value else ""


@dataclass
class Settings:
    """Everything the control API may change at run time lives here, under the store lock."""

    public_url: str
    server_context_path: str = DEFAULT_SERVER_CONTEXT_PATH
    server_version: str = DEFAULT_SERVER_VERSION
    misconfigured_base_url: bool = False
    cloud_access_token_ttl: int = DEFAULT_CLOUD_ACCESS_TOKEN_TTL
    server_access_token_ttl: int = DEFAULT_SERVER_ACCESS_TOKEN_TTL
    app_passwords_disabled: bool = False

    @property
    def cloud_url(self) -> str:
        # Cloud web, OAuth and REST all live at the root, so web URL == API URL.
        return self.public_url

    @property
    def server_mount(self) -> str:
        return SERVER_MOUNT + self.server_context_path

    @property
    def server_url(self) -> str:
        """The base URL a user registers for the Server instance."""
        return self.public_url + self.server_mount

    @property
    def server_link_base(self) -> str:
        """Where links in Server responses point: wrong on purpose when misconfigured."""
        if self.misconfigured_base_url:
            return MISCONFIGURED_SERVER_ORIGIN + self.server_context_path
        return self.server_url

    @property
    def server_host(self) -> str:
        origin = MISCONFIGURED_SERVER_ORIGIN if self.misconfigured_base_url else self.public_url
        return origin.split("://", 1)[1].split(":", 1)[0]
