"""What the portal knows about a source-control provider, independent of any runner or user."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    name: str
    reason: str
    required: bool = True


@dataclass(frozen=True)
class ProviderSpec:
    id: str  # the identifier used everywhere: URLs, API, database
    name: str
    default_host: str  # the SaaS host; "" when the admin must name one
    host_editable: bool  # GitLab self-managed, Bitbucket Server
    oauth_docs_url: str
    token_docs_url: str
    token_label: str  # what the provider calls the tokens users paste
    scopes: tuple[Scope, ...]
    authorize_path: str
    token_path: str
    client_id_label: str = "Client ID"
    client_secret_label: str = "Client Secret"
    label_note: str = ""
    # How the runner agent authenticates to the token endpoint.
    client_auth: str = "basic"
    pkce: bool = False
    scope_separator: str = " "
    # Where OAuth lives when not on the provider's own host (Microsoft Entra for Azure DevOps).
    oauth_base: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def requires_host(self) -> bool:
        return self.host_editable and not self.default_host

    def authorize_url(self, host: str) -> str:
        return f"{self.oauth_base or host.rstrip('/')}{self.authorize_path}"

    def token_url(self, host: str) -> str:
        return f"{self.oauth_base or host.rstrip('/')}{self.token_path}"

    def required_scopes(self) -> list[str]:
        return [s.name for s in self.scopes if s.required]

    def optional_scopes(self) -> list[Scope]:
        return [s for s in self.scopes if not s.required]
