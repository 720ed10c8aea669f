"""Pasted Azure DevOps personal access tokens (HTTP Basic, empty user name). Azure DevOps reports neither a
token's scopes nor its expiry, so the check asks: the profile (who, and vso.profile), the organization's
connection data (the token works there) and one repository listing (vso.code)."""

from __future__ import annotations

from collections.abc import Mapping

from integrations.providers.azure_devops.client import AzureDevOpsClient
from integrations.providers.http import BasicCredentials, InsufficientScope, NotFound, Unauthorized
from integrations.providers.protocol import TokenCheck, TokenKind, TokenRejected

KIND = "personal-access-token"

TOKEN_KINDS = (
    TokenKind(id=KIND, label="Personal access token",
              how_to="Azure DevOps → User settings → Personal access tokens → New token: organization as set "
                     "here (or all accessible organizations), scopes User Profile (Read) and Code (Read & write).",
              docs_url="https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/"
                       "use-personal-access-tokens-to-authenticate"),
)


def _rejected(exc: Unauthorized) -> TokenRejected:
    if "expired" in exc.detail.lower():
        return TokenRejected("This Azure DevOps token has expired. Create a new one (or regenerate it) and paste "
                             "it.", reason="expired")
    return TokenRejected("Azure DevOps did not accept this token: it is wrong, revoked, or for another "
                         "organization.", reason="invalid")


def check_token(client: AzureDevOpsClient, *, options: Mapping[str, str]) -> TokenCheck:
    organization = options.get("organization") or ""
    try:
        identity = client.identity()
    except Unauthorized as exc:
        raise _rejected(exc) from None
    except InsufficientScope:
        raise TokenRejected("This Azure DevOps token may not read your profile: add the User Profile (Read) scope.",
                            reason="insufficient_scope", missing_scopes=("vso.profile",)) from None
    if organization:
        try:
            client.connection_data(organization)
            client.repositories(organization, top=1)
        except InsufficientScope:
            raise TokenRejected("This Azure DevOps token may not read code: add the Code (Read & write) scope.",
                                reason="insufficient_scope", missing_scopes=("vso.code",)) from None
        except Unauthorized as exc:
            raise _rejected(exc) from None
        except NotFound:
            raise TokenRejected(f"The organization {organization} does not exist, or this token cannot see it.",
                                reason="misconfigured") from None
    return TokenCheck(identity=identity, scopes=(), credential_type="personal-access-token",
                      resource=f"organization {organization}" if organization else "",
                      warnings=("Azure DevOps does not report a token's scopes or expiry; the portal checked that it "
                                "can read your profile and code, and finds out about the rest when it uses it.",))


def credential(token: str) -> BasicCredentials:
    # Azure DevOps takes any user name with a personal access token; empty is the documented form.
    return BasicCredentials("", token, kind=KIND)
