"""GitLab (gitlab.com or self-managed): what the dialog shows and the OAuth endpoints."""

from __future__ import annotations

from integrations.providers.base import ProviderSpec, Scope

SPEC = ProviderSpec(
    id="gitlab",
    name="GitLab",
    label="GitLab",
    default_host="https://gitlab.com",
    host_editable=True,
    oauth_docs_url="https://docs.gitlab.com/integration/oauth_provider/",
    token_docs_url="https://docs.gitlab.com/user/profile/personal_access_tokens/",
    token_label="personal access tokens",
    label_note="GitLab calls them Application ID and Secret.",
    client_id_label="Application ID",
    client_secret_label="Secret",
    scopes=(
        Scope("read_user", "read your name and email for the git author identity"),
        Scope("read_api", "resolve merge request and issue URLs (api also does)"),
        Scope("read_repository", "clone repositories"),
        Scope("write_repository", "push from environments"),
        Scope("api", "install project webhooks for projects (org admins; projects are Bitbucket-only for now, "
                     "so there is no need yet)", required=False),
    ),
    authorize_path="/oauth/authorize",
    token_path="/oauth/token",
    client_auth="post",
    pkce=True,
)

# `api` is complete read/write access to the API; `write_repository` includes reading.
SCOPE_IMPLICATIONS: dict[str, tuple[str, ...]] = {
    "api": ("read_api", "read_user"),
    "write_repository": ("read_repository",),
}
