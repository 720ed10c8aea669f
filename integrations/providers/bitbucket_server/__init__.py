"""Bitbucket Server / Data Center: a registered instance, its OAuth 2.0 incoming link, HTTP access tokens.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from integrations.providers.base import BaseProvider
from integrations.providers.bitbucket_server import context, demo, errors, probe, repositories, tokens
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.bitbucket_server.context_reader import ServerContextReader
from integrations.providers.bitbucket_server.spec import MIN_OAUTH_VERSION, MIN_TOKEN_VERSION, SCOPE_IMPLICATIONS, SPEC
from integrations.providers.http import DEFAULT_TIMEOUT, Credential
from integrations.providers.protocol import DemoApp, HostReport, TokenCheck

__all__ = ["MIN_OAUTH_VERSION", "MIN_TOKEN_VERSION", "PROVIDER", "SPEC"]


class BitbucketServer(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER
    # Resolution (default branch, branch or tag, pull request source) over this provider's client.
    context_reader = ServerContextReader
    scope_implications = SCOPE_IMPLICATIONS
    oauth_connect = True
    projects = repositories.PROJECTS
    token_kinds = tokens.TOKEN_KINDS

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

    def clone_url(self, *, web_url: str, repository: str) -> str:
        # Web pages live under <base>/projects/KEY/repos/slug; git under <base>/scm/key/slug.git.
        web = (web_url or "").rstrip("/")
        if "/projects/" in web:
            return f"{web.split('/projects/', 1)[0]}/scm/{repository.lower()}.git"
        return super().clone_url(web_url=web_url, repository=repository)

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential:
        return tokens.token_credential(kind, login=login, token=token)

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck:
        with self.client(host=host, credential=tokens.token_credential(kind, login=login, token=token)) as client:
            return tokens.check_token(client, login=login)


PROVIDER = BitbucketServer()
