"""What an admin-entered Bitbucket Server host is: its version, and whether its base URL is set right."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from django.conf import settings

from integrations.providers.bitbucket_server import MIN_OAUTH_VERSION, MIN_TOKEN_VERSION
from integrations.providers.bitbucket_server.client import BitbucketServerClient, parse_version
from integrations.providers.http import ProviderError


@dataclass(frozen=True)
class ServerProbe:
    version: str = ""
    error: str = ""
    # Not an error: the instance works, but its links (clone URLs, webhooks' targets) point elsewhere.
    warning: str = ""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return parse_version(self.version)

    @property
    def supports_oauth(self) -> bool:
        return self.version_tuple >= MIN_OAUTH_VERSION

    @property
    def supports_tokens(self) -> bool:
        return self.version_tuple >= MIN_TOKEN_VERSION


# What Bitbucket reports (`8.19.1`, `9.4.0-rc1`), within the column that keeps it.
_VERSION = re.compile(r"^\d{1,4}(\.\d{1,6}){0,3}([-+.][0-9A-Za-z.-]{1,16})?$")
MAX_VERSION_CHARS = 32


def probe_bitbucket_server(host: str) -> ServerProbe:
    timeout = httpx.Timeout(settings.SCM_HTTP_TIMEOUT, connect=min(5.0, settings.SCM_HTTP_TIMEOUT))
    try:
        with BitbucketServerClient(host, timeout=timeout) as client:
            props = client.application_properties()
            version = str(props.get("version", ""))
            if len(version) > MAX_VERSION_CHARS or not _VERSION.match(version):
                return ServerProbe(error=f"{host} does not report a Bitbucket version the portal understands; "
                                         "is this a Bitbucket Server URL?")
            return ServerProbe(version=version, warning=_base_url_warning(client, host))
    except ProviderError as exc:
        return ServerProbe(error=_probe_error(host, exc))
    except (ValueError, httpx.InvalidURL):
        return ServerProbe(error=f"{host} is not a URL the portal can reach.")


def _probe_error(host: str, exc: ProviderError) -> str:
    """In our words only. What the host answered is never shown: it may not be Bitbucket at all, and its
    body (an internal page, a token) must not reach the admin's screen (SSRF)."""
    if exc.status is None or exc.status == 200:
        # No HTTP answer (refused, timed out, not resolvable), or an answer that is not Bitbucket's.
        return f"Could not read the Bitbucket version at {host}: {exc.detail}."
    return (f"Could not read the Bitbucket version at {host}: it answered HTTP {exc.status}. "
            "Check the base URL, including any context path such as /bitbucket.")


# Anonymous reads that carry links when the instance has anything public to show.
_LINKED_PATHS = ("/rest/api/1.0/repos", "/rest/api/1.0/projects")


def _base_url_warning(client: BitbucketServerClient, host: str) -> str:
    """Bitbucket builds every link from its Base URL setting; left unset, links say localhost:7990.

    Read without credentials: an instance without anonymous access answers 401 and we say nothing
    (no warning is better than a guess)."""
    for path in _LINKED_PATHS:
        try:
            data = client.session.get_json(path, params={"limit": 1}, authenticated=False)
        except ProviderError:
            continue
        if client.detect_misconfigured_base_url(data):
            return (f"This Bitbucket's links point at localhost, so its Base URL is not set. Clone URLs and "
                    f"webhooks will be wrong until an administrator sets Administration → Server settings → "
                    f"Base URL to {host}.")
    return ""
