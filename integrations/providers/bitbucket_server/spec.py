"""Bitbucket Server / Data Center: a registered instance, its OAuth 2.0 incoming link, HTTP access tokens."""

from __future__ import annotations

from integrations.providers.base import ProviderSpec, Scope

# OAuth 2.0 incoming application links arrived in 7.20; HTTP access tokens in 7.14.
MIN_OAUTH_VERSION = (7, 20)
MIN_TOKEN_VERSION = (7, 14)

SPEC = ProviderSpec(
    id="bitbucket-server",
    name="Bitbucket Server / Data Center",
    label="Bitbucket Server",
    default_host="",
    host_editable=True,
    oauth_docs_url="https://confluence.atlassian.com/bitbucketserver/configure-an-incoming-link-1108483657.html",
    token_docs_url="https://confluence.atlassian.com/bitbucketserver/http-access-tokens-939515499.html",
    token_label="HTTP access tokens",
    label_note="Create an incoming application link (Administration → Application links); "
    "it shows the Client ID and Client secret.",
    scopes=(
        Scope("PUBLIC_REPOS", "see public repositories"),
        Scope("REPO_READ", "clone repositories and parse context URLs, pull requests and commits"),
        Scope("REPO_WRITE", "push from environments"),
        Scope("REPO_ADMIN", "install repository webhooks for projects (org admins)", required=False),
    ),
    authorize_path="/rest/oauth2/latest/authorize",
    token_path="/rest/oauth2/latest/token",
    host_label="Provider Host Name",
    host_help="The full base URL, with a context path if it has one (e.g. https://git.example.com/bitbucket). "
    "The portal reads its version.",
    host_example="https://bitbucket.example.com",
    # Bitbucket's application link says "Redirect URL".
    callback_label="Redirect URL",
    optional_scopes_note='For webhooks the application link needs "Projects Admin" / REPO_ADMIN.',
    client_auth="post",
    pkce=True,
)

# A broader permission includes the narrower ones, so REPO_WRITE satisfies REPO_READ.
SCOPE_IMPLICATIONS: dict[str, tuple[str, ...]] = {
    "PROJECT_ADMIN": ("REPO_ADMIN",),
    "REPO_ADMIN": ("REPO_WRITE",),
    "REPO_WRITE": ("REPO_READ",),
    "REPO_READ": ("PUBLIC_REPOS",),
}
