"""Azure DevOps REST client: the profile service (who the credential is) and one organization (does the
credential work there, may it read code). Personal access tokens go as HTTP Basic with an empty user name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx

from integrations.providers.azure_devops.errors import raise_for_response
from integrations.providers.http import DEFAULT_TIMEOUT, Credential, ProviderSession
from integrations.providers.protocol import Identity

PROVIDER = "azure-devops"
API_VERSION = "7.1"


class AzureDevOpsClient:
    def __init__(self, *, host: str, profile_url: str, credential: Credential | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self.profile = self._session(profile_url, credential, timeout)
        self.session = self._session(host, credential, timeout)

    @staticmethod
    def _session(url: str, credential: Credential | None, timeout: httpx.Timeout) -> ProviderSession:
        # Ask for a 401 instead of a sign-in page when the credential is not accepted.
        return ProviderSession(url, provider=PROVIDER, credential=credential, timeout=timeout,
                               classify=raise_for_response, headers={"X-TFS-FedAuthRedirect": "Suppress"})

    def __repr__(self) -> str:
        return f"AzureDevOpsClient({str(self.session.base_url)!r})"

    def close(self) -> None:
        self.profile.close()
        self.session.close()

    def __enter__(self) -> AzureDevOpsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def me(self) -> dict[str, Any]:
        return self.profile.get_json("/_apis/profile/profiles/me", params={"api-version": API_VERSION})

    def connection_data(self, organization: str) -> dict[str, Any]:
        return self.session.get_json(f"/{quote(organization, safe='')}/_apis/connectionData")

    def repositories(self, organization: str, *, top: int = 1) -> list[dict[str, Any]]:
        body = self.session.get_json(f"/{quote(organization, safe='')}/_apis/git/repositories",
                                     params={"api-version": API_VERSION, "$top": top})
        value = body.get("value") if isinstance(body, dict) else None
        return value if isinstance(value, list) else []

    def identity(self, *, token_scopes: Iterable[str] = (), author_email: bool = True) -> Identity:
        """Azure DevOps has no user names: the profile's email address stands in for one."""
        profile = self.me()
        email = str(profile.get("emailAddress") or "")
        name = str(profile.get("displayName") or email)
        return Identity(account_id=str(profile.get("id") or ""), username=email or str(profile.get("publicAlias")
                                                                                       or ""),
                        display_name=name, git_author_name=name, git_author_email=email, scopes=tuple(token_scopes))
