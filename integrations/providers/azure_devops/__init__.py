"""Azure DevOps: Microsoft Entra ID OAuth (the tenant an option), personal access tokens, the organization an option.

`PROVIDER` is this package's provider object (see `integrations.providers.protocol`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings

from integrations.providers.azure_devops.spec import OPTION_FIELDS, SPEC
from integrations.providers.base import BaseProvider

__all__ = ["PROVIDER", "SPEC"]


class AzureDevOps(BaseProvider):
    spec = SPEC
    option_fields = OPTION_FIELDS

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


PROVIDER = AzureDevOps()
