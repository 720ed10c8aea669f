"""Azure DevOps: Microsoft Entra ID OAuth (the tenant an option), personal access tokens, the organization an option.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import httpx
from django.conf import settings

from integrations.providers.azure_devops import context, demo, errors, tokens
from integrations.providers.azure_devops.client import AzureDevOpsClient
from integrations.providers.azure_devops.spec import OPTION_FIELDS, RESOURCE, SPEC
from integrations.providers.base import BaseProvider
from integrations.providers.http import DEFAULT_TIMEOUT, Credential
from integrations.providers.protocol import DemoApp, TokenCheck, TokenRejected

__all__ = ["PROVIDER", "SPEC"]


class AzureDevOps(BaseProvider):
    spec = SPEC
    context_parser = context.PARSER
    option_fields = OPTION_FIELDS
    oauth_connect = True
    token_kinds = tokens.TOKEN_KINDS

    def effective_scopes(self, granted: Iterable[str]) -> set[str]:
        """Entra answers `.default` with the delegated permissions it granted (`…/user_impersonation`) and does
        not echo offline_access: any Azure DevOps permission satisfies `.default`, and offline_access is
        taken as granted (a refresh token that is missing shows when the token expires)."""
        out = set(granted)
        if any(scope.startswith(f"{RESOURCE}/") for scope in out):
            out.add(f"{RESOURCE}/.default")
        out.add("offline_access")
        return out

    def default_host(self) -> str:
        # A setting, so tests and the demo can point it at the emulator.
        return settings.AZURE_DEVOPS_URL

    def _entra(self, options: Mapping[str, str]) -> str:
        tenant = options.get("tenant") or "organizations"
        return f"{settings.MICROSOFT_ENTRA_URL}/{tenant}"

    def authorize_url(self, host: str, options: Mapping[str, str]) -> str:
        return self._entra(options) + self.spec.authorize_path

    def token_url(self, host: str, options: Mapping[str, str]) -> str:
        return self._entra(options) + self.spec.token_path

    def grant_extras(self, *, scopes: Sequence[str], options: Mapping[str, str]) -> dict[str, str]:
        # Entra's v2 token endpoint wants the scopes again on code redemption and refresh.
        return {"scope": " ".join(scopes)}

    def client(self, *, host: str, credential: Credential | None = None,
               timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> AzureDevOpsClient:
        return AzureDevOpsClient(host=host, profile_url=settings.AZURE_DEVOPS_PROFILE_URL, credential=credential,
                                 timeout=timeout)

    def raise_for_response(self, response: httpx.Response) -> None:
        errors.raise_for_response(response, provider=self.spec.id)

    def demo_app(self, emulator_url: str) -> DemoApp:
        return demo.demo_app(emulator_url)

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential:
        if kind != tokens.KIND:
            raise TokenRejected("Azure DevOps takes personal access tokens here.", reason="wrong_kind")
        return tokens.credential(token)

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck:
        with self.client(host=host, credential=self.token_credential(kind, login=login, token=token)) as client:
            return tokens.check_token(client, options=options)


PROVIDER = AzureDevOps()
