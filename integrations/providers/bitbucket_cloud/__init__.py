"""Bitbucket Cloud: OAuth 2.0 consumers, API tokens, repository/project/workspace access tokens.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from django.conf import settings

from integrations.providers.base import BaseProvider
from integrations.providers.bitbucket_cloud import context, demo, repositories, tokens
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_cloud.context_reader import CloudContextReader
from integrations.providers.bitbucket_cloud.spec import OPTION_FIELDS, SCOPE_IMPLICATIONS, SPEC
from integrations.providers.http import DEFAULT_TIMEOUT, Credential
from integrations.providers.protocol import DemoApp, TokenCheck

__all__ = ["PROVIDER", "SPEC"]


class BitbucketCloud(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER
    # Resolution (default branch, branch or tag, pull request source) over this provider's client.
    context_reader = CloudContextReader
    scope_implications = SCOPE_IMPLICATIONS
    # The workspace an org admin may limit the integration to (the picker, shared credentials).
    option_fields = OPTION_FIELDS
    oauth_connect = True
    projects = repositories.PROJECTS
    token_kinds = tokens.TOKEN_KINDS
    # Git over HTTPS takes any token as the password; Bitbucket Cloud wants this user name with Bearer tokens.
    bearer_git_username = "x-token-auth"

    def default_host(self) -> str:
        # A setting, so tests and the demo can point it at the emulator.
        return settings.BITBUCKET_CLOUD_WEB_URL

    def client(
        self, *, host: str, credential: Credential | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> BitbucketCloudClient:
        # The REST API has its own host (api.bitbucket.org); `host` is the web and OAuth host.
        return BitbucketCloudClient(api_url=settings.BITBUCKET_CLOUD_API_URL, credential=credential, timeout=timeout)

    def demo_app(self, emulator_url: str) -> DemoApp:
        return demo.demo_app(emulator_url)

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential:
        return tokens.token_credential(kind, login=login, token=token)

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck:
        credential = tokens.token_credential(kind, login=login, token=token)
        with self.client(host=host, credential=credential) as client:
            return tokens.check_token(client, kind=kind, login=login, options=options,
                                      implications=self.effective_scopes)


PROVIDER = BitbucketCloud()
