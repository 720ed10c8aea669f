"""GitHub (github.com and GitHub Enterprise Server by host): OAuth apps and personal access tokens.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from integrations.providers.base import BaseProvider
from integrations.providers.github import context, demo, errors, tokens
from integrations.providers.github.client import GitHubClient, api_url_for
from integrations.providers.github.spec import SPEC
from integrations.providers.http import DEFAULT_TIMEOUT, Credential
from integrations.providers.protocol import DemoApp, TokenCheck, TokenRejected

__all__ = ["PROVIDER", "SPEC"]


class GitHub(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER
    oauth_connect = True
    # `user` covers both of the user scopes the portal asks for.
    scope_implications = {"user": ("read:user", "user:email")}
    token_kinds = tokens.TOKEN_KINDS

    def client(self, *, host: str, credential: Credential | None = None,
               timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> GitHubClient:
        return GitHubClient(api_url=api_url_for(host), credential=credential, timeout=timeout)

    def raise_for_response(self, response: httpx.Response) -> None:
        errors.raise_for_response(response, provider=self.spec.id)

    def demo_app(self, emulator_url: str) -> DemoApp:
        return demo.demo_app(emulator_url)

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential:
        if kind != tokens.KIND:
            raise TokenRejected("GitHub takes personal access tokens here.", reason="wrong_kind")
        return tokens.credential(token)

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck:
        with self.client(host=host, credential=self.token_credential(kind, login=login, token=token)) as client:
            return tokens.check_token(client)


PROVIDER = GitHub()
