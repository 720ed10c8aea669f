"""Azure DevOps: what the dialog shows and the Microsoft Entra ID OAuth endpoints."""

from __future__ import annotations

from integrations.providers.base import ProviderSpec, Scope

# Azure DevOps OAuth apps are retired; new apps are Microsoft Entra ID app registrations
# whose scopes are the Azure DevOps resource's delegated permissions.
_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"

SPEC = ProviderSpec(
    id="azure-devops",
    name="Azure DevOps",
    label="Azure DevOps",
    default_host="https://dev.azure.com",
    host_editable=False,
    oauth_docs_url="https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/entra-oauth",
    token_docs_url="https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate",
    token_label="personal access tokens",
    label_note="Microsoft Entra calls them Application (client) ID and client secret value.",
    client_id_label="Application (client) ID",
    scopes=(
        Scope(f"{_RESOURCE}/vso.profile", "read your profile for the git author identity"),
        Scope(f"{_RESOURCE}/vso.code_write", "clone and push repositories, read pull requests"),
        Scope(f"{_RESOURCE}/vso.work", "start environments from work items (issues)"),
        Scope("offline_access", "refresh tokens so connections stay healthy"),
        Scope(f"{_RESOURCE}/vso.code_manage", "install service hooks for projects (org admins)", required=False),
    ),
    authorize_path="/organizations/oauth2/v2.0/authorize",
    token_path="/organizations/oauth2/v2.0/token",
    client_auth="post",
    pkce=True,
    oauth_base="https://login.microsoftonline.com",
)
