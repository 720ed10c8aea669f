"""GitLab (gitlab.com and self-managed by host, nested groups): OAuth applications with PKCE and rotating
refresh tokens; personal, group and project access tokens.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from integrations.providers.base import BaseProvider
from integrations.providers.gitlab import context, demo, errors, tokens
from integrations.providers.gitlab.client import GitLabClient
from integrations.providers.gitlab.spec import SCOPE_IMPLICATIONS, SPEC
from integrations.providers.http import DEFAULT_TIMEOUT, Credential
from integrations.providers.protocol import DemoApp, TokenCheck, TokenRejected

__all__ = ["PROVIDER", "SPEC"]


class GitLab(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER
    oauth_connect = True
    scope_implications = SCOPE_IMPLICATIONS
    token_kinds = tokens.TOKEN_KINDS

    def client(self, *, host: str, credential: Credential | None = None,
               timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> GitLabClient:
        return GitLabClient(host, credential=credential, timeout=timeout)

    def raise_for_response(self, response: httpx.Response) -> None:
        errors.raise_for_response(response, provider=self.spec.id)

    def demo_app(self, emulator_url: str) -> DemoApp:
        return demo.demo_app(emulator_url)

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential:
        if kind not in (tokens.KIND, tokens.ACCESS_KIND):
            raise TokenRejected("GitLab takes personal, group and project access tokens here.", reason="wrong_kind")
        return tokens.credential(token, kind)

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck:
        with self.client(host=host, credential=self.token_credential(kind, login=login, token=token)) as client:
            return tokens.check_token(client, kind=kind)


PROVIDER = GitLab()
