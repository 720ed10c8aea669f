"""GitHub (github.com or Enterprise Server): what the dialog shows and the OAuth endpoints."""

from __future__ import annotations

from integrations.providers.base import ProviderSpec, Scope

SPEC = ProviderSpec(
    id="github",
    name="GitHub",
    label="GitHub",
    default_host="https://github.com",
    host_editable=True,
    host_help="Leave empty for github.com, or enter your GitHub Enterprise Server URL (https://github.example.com).",
    oauth_docs_url="https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/creating-an-oauth-app",
    token_docs_url="https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens",
    token_label="personal access tokens",
    scopes=(
        Scope("read:user", "read your name for the git author identity"),
        Scope("user:email", "read your email addresses for the git author identity"),
        Scope("repo", "clone private repositories, push from environments, read pull requests and issues"),
        Scope("workflow", "push changes to GitHub Actions workflow files", required=False),
        Scope("admin:repo_hook", "install repository webhooks for projects (org admins; projects are "
                                 "Bitbucket-only for now, so there is no need yet)", required=False),
    ),
    authorize_path="/login/oauth/authorize",
    token_path="/login/oauth/access_token",
    client_auth="post",
    # GitHub OAuth apps take PKCE (S256) since 2025.
    pkce=True,
    scope_separator=" ",
)
