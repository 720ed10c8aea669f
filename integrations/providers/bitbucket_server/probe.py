"""What an admin-entered Bitbucket Server host is: its version, what that version allows, and whether
its base URL is set right. Read without credentials, with the caller's timeout."""

from __future__ import annotations

import re

import httpx

from integrations.providers.bitbucket_server.client import BitbucketServerClient, parse_version
from integrations.providers.bitbucket_server.spec import MIN_OAUTH_VERSION, MIN_TOKEN_VERSION
from integrations.providers.http import HostRefused, ProviderError
from integrations.providers.in_words import unreachable_in_words
from integrations.providers.protocol import HostReport, HostUnreachable

# Anonymous reads that carry links when the instance has anything public to show.
_LINKED_PATHS = ("/rest/api/1.0/repos", "/rest/api/1.0/projects")

# What Bitbucket reports (`8.19.1`, `9.4.0-rc1`), within the column that keeps it. Anything else is not
# shown or stored: it is the host's own text, and longer than the column it was a 500.
_VERSION = re.compile(r"^\d{1,4}(\.\d{1,6}){0,3}([-+.][0-9A-Za-z.-]{1,16})?$")
MAX_VERSION_CHARS = 32


def probe(host: str, *, timeout: httpx.Timeout, oauth_enabled: bool) -> HostReport:
    """Raises HostUnreachable when the host cannot be read as a Bitbucket. A host that resolves to an
    internal address is refused outright (it is not down; the portal must not connect to it)."""
    try:
        with BitbucketServerClient(host, timeout=timeout) as client:
            version = str(client.application_properties().get("version", ""))
            if len(version) > MAX_VERSION_CHARS or not _VERSION.match(version):
                raise HostUnreachable(f"{host} does not report a Bitbucket version the portal understands; is "
                                      "this a Bitbucket Server URL (with its context path)?")
            warning = _base_url_warning(client, host)
    except HostRefused as exc:
        return HostReport(refusals={"host": f"{exc.host} resolves to a private, loopback or link-local address. "
                                            "(Operators can allow internal hosts with SCM_ALLOW_PRIVATE_HOSTS.)"})
    except ProviderError as exc:
        raise HostUnreachable(unreachable_in_words(exc, host) or f"{host} is unreachable right now: {_why(exc)}, "
                              "so the portal could not read its Bitbucket version.") from None
    except (ValueError, httpx.InvalidURL):
        raise HostUnreachable(f"{host} is not a URL the portal can reach.") from None
    return HostReport(version=version, warning=warning, refusals=refusals(version, oauth_enabled=oauth_enabled))


def _why(exc: ProviderError) -> str:
    """The failure in plain words; never the instance's own error text: it may not be Bitbucket at all,
    and its body (an internal page, a token) must not reach the admin's screen (SSRF)."""
    if exc.status is None:  # an answer that is not JSON; no answer at all is unreachable_in_words'
        return "it does not answer like a Bitbucket Server (check the URL and its context path)"
    if exc.status == 200:
        return "it does not answer like a Bitbucket Server (check the URL and its context path)"
    if 300 <= exc.status < 400:
        return f"it answered with a redirect (HTTP {exc.status}; check http or https and the context path)"
    if exc.status in (401, 403, 404):
        return f"it answered HTTP {exc.status} (check the URL and its context path)"
    return f"it answered HTTP {exc.status}"


def refusals(version: str, *, oauth_enabled: bool) -> dict[str, str]:
    """What an instance of `version` cannot do, by the form field that asked for it."""
    found = parse_version(version)
    if found < MIN_TOKEN_VERSION:
        return {"host": f"This instance runs Bitbucket {version}; the portal needs 7.14 or later."}
    if oauth_enabled and found < MIN_OAUTH_VERSION:
        return {"oauth_enabled": f"OAuth 2.0 needs Bitbucket 7.20 or later; this instance runs {version}. "
                "Turn OAuth off and let users connect with HTTP access tokens."}
    return {}


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
