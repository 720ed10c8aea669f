"""What an admin-entered Bitbucket Server host is: its version, and whether its base URL is set right."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings

from integrations.providers.bitbucket_server import MIN_OAUTH_VERSION, MIN_TOKEN_VERSION
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import ProviderError


@dataclass(frozen=True)
class ServerProbe:
    version: str = ""
    version_tuple: tuple[int, ...] = ()
    error: str = ""

    @property
    def supports_oauth(self) -> bool:
        return self.version_tuple >= MIN_OAUTH_VERSION

    @property
    def supports_tokens(self) -> bool:
        return self.version_tuple >= MIN_TOKEN_VERSION


def probe_bitbucket_server(host: str) -> ServerProbe:
    timeout = httpx.Timeout(settings.SCM_HTTP_TIMEOUT, connect=min(5.0, settings.SCM_HTTP_TIMEOUT))
    try:
        with BitbucketServerClient(host, timeout=timeout) as client:
            props = client.application_properties()
            version = str(props.get("version", ""))
            return ServerProbe(version=version, version_tuple=client.version_tuple())
    except ProviderError as exc:
        return ServerProbe(error=f"Could not read the Bitbucket version at {host}: {exc}")
    except (ValueError, httpx.InvalidURL):
        return ServerProbe(error=f"{host} is not a URL the portal can reach.")
