"""Azure DevOps: what the dialog shows, the Microsoft Entra ID OAuth endpoints, and the integration's options."""

from __future__ import annotations

from integrations.providers.base import ProviderSpec, Scope
from integrations.providers.protocol import OptionField

# Azure DevOps OAuth apps are retired; new apps are Microsoft Entra ID app registrations
# whose scopes are the Azure DevOps resource's delegated permissions.
RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"

SPEC = ProviderSpec(
    id="azure-devops",
    name="Azure DevOps",
    label="Azure DevOps",
    default_host="https://dev.azure.com",
    host_editable=False,
    oauth_docs_url="https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/entra-oauth",
    token_docs_url="https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate",
    token_label="personal access tokens",
    label_note="Microsoft Entra calls them Application (client) ID and client secret value; register the "
               "callback URL as a Web redirect URI and add the Azure DevOps API permission (user_impersonation).",
    client_id_label="Application (client) ID",
    callback_label="Redirect URI (Web)",
    # Entra's v2 endpoint takes `.default` for the resource: the app registration's API permissions decide.
    scopes=(
        Scope(f"{RESOURCE}/.default", "the Azure DevOps permissions of the app registration (profile, code read "
                                      "and write, work items)"),
        Scope("offline_access", "refresh tokens so connections stay healthy"),
    ),
    authorize_path="/oauth2/v2.0/authorize",
    token_path="/oauth2/v2.0/token",
    client_auth="post",
    pkce=True,
)

OPTION_FIELDS = (
    OptionField(
        key="organization", label="Organization", required=True, placeholder="fabrikam", max_length=50,
        help_text="The Azure DevOps organization (dev.azure.com/<organization>) whose repositories this runner uses.",
        # Organization names: letters, digits and hyphens, not starting or ending with a hyphen.
        pattern=r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?",
        pattern_message="An organization name is letters, digits and hyphens (as in dev.azure.com/<organization>).",
    ),
    OptionField(
        key="tenant", label="Microsoft Entra tenant", default="organizations", max_length=64,
        help_text="Your directory (tenant) ID or domain; leave empty for any work or school account (organizations).",
        pattern=r"[A-Za-z0-9][A-Za-z0-9.-]{0,62}",
        pattern_message="A tenant is a directory ID (a GUID), a domain such as contoso.onmicrosoft.com, "
                        "or organizations.",
        seals_with_secret=True,
    ),
)
