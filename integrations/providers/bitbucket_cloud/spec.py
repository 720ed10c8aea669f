"""Bitbucket Cloud: OAuth 2.0 consumers, API tokens, repository/project/workspace access tokens."""

from __future__ import annotations

from integrations.providers.base import ProviderSpec, Scope
from integrations.providers.protocol import OptionField

SPEC = ProviderSpec(
    id="bitbucket-cloud",
    name="Bitbucket Cloud",
    # Bitbucket Cloud calls itself "Bitbucket" in its own pages.
    label="Bitbucket",
    default_host="https://bitbucket.org",
    host_editable=False,
    oauth_docs_url="https://support.atlassian.com/bitbucket-cloud/docs/use-oauth-on-bitbucket-cloud/",
    token_docs_url="https://support.atlassian.com/bitbucket-cloud/docs/api-tokens/",
    token_label="API tokens and access tokens",
    label_note="Bitbucket calls them Key and Secret (Workspace settings → OAuth consumers).",
    client_id_label="Key (Client ID)",
    client_secret_label="Secret (Client Secret)",
    # Bitbucket consumers carry their permissions; these are the boxes to tick on the consumer.
    scopes=(
        Scope("account", "read your name for the git author identity"),
        # /2.0/user/emails needs its own scope (Atlassian's OpenAPI description), not just `account`.
        Scope("email", "read your confirmed email address for the git author identity"),
        Scope("repository", "clone repositories and parse context URLs"),
        Scope("repository:write", "push from environments"),
        Scope("pullrequest", "start environments from pull requests"),
        Scope("issue", "start environments from issues"),
        Scope("webhook", "install repository webhooks for projects (org admins)", required=False),
    ),
    authorize_path="/site/oauth2/authorize",
    token_path="/site/oauth2/access_token",
    client_auth="basic",
    # A code leaked from one browser must be useless in another's flow (Bitbucket Cloud supports PKCE).
    pkce=True,
)

OPTION_FIELDS = (
    OptionField(
        key="workspace", label="Workspace (optional)", placeholder="acme", max_length=62, lower=True,
        help_text="Limit the organization's shared credential and the repository picker to this Bitbucket "
                  "workspace (its slug, as in bitbucket.org/<workspace>/). Empty: every workspace the connection "
                  "can see.",
        # Workspace slugs: lower-case letters, digits, dashes and underscores.
        pattern=r"[a-z0-9][a-z0-9_-]{0,61}",
        pattern_message="A workspace slug is lower-case letters, digits, dashes and underscores "
                        "(as in bitbucket.org/<workspace>/).",
    ),
)

# A broader Bitbucket Cloud scope includes the narrower ones, so "repository:write" satisfies "repository".
SCOPE_IMPLICATIONS: dict[str, tuple[str, ...]] = {
    "repository:admin": ("repository:write",),
    "repository:write": ("repository",),
    "pullrequest:write": ("pullrequest", "repository:write"),
    "pullrequest": ("repository",),
    "issue:write": ("issue",),
    "webhook": (),
}
