"""Bitbucket Server / Data Center: a registered instance, its OAuth 2.0 incoming link, HTTP access tokens.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

import httpx

from integrations.providers.base import BaseProvider
from integrations.providers.bitbucket_server import context, demo, errors, probe
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.bitbucket_server.spec import MIN_OAUTH_VERSION, MIN_TOKEN_VERSION, SCOPE_IMPLICATIONS, SPEC
from integrations.providers.http import DEFAULT_TIMEOUT, Credential
from integrations.providers.protocol import DemoApp, HostReport

__all__ = ["MIN_OAUTH_VERSION", "MIN_TOKEN_VERSION", "PROVIDER", "SPEC"]


class BitbucketServer(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER
    scope_implications = SCOPE_IMPLICATIONS
    oauth_connect = True

    def client(
        self, *, host: str, credential: Credential | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> BitbucketServerClient:
        return BitbucketServerClient(host, credential=credential, timeout=timeout)

    def raise_for_response(self, response: httpx.Response) -> None:
        errors.raise_for_response(response, provider=self.spec.id)

    def probe_host(self, host: str, *, timeout: httpx.Timeout, oauth_enabled: bool) -> HostReport:
        return probe.probe(host, timeout=timeout, oauth_enabled=oauth_enabled)

    def demo_app(self, emulator_url: str) -> DemoApp:
        return demo.demo_app(emulator_url)


PROVIDER = BitbucketServer()
