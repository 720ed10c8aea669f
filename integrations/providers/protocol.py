"""The contract every provider package meets: one `Provider` object per package, registered in
`integrations.providers.PROVIDERS`. Coder's `gitprovider.Provider` is the model.

Members, and who calls them:
- `spec` — data: URLs, scopes with reasons, labels and wording (the dialog, the Connections page, messages).
- `oauth_connect` — users connect accounts by OAuth (allauth sub-providers, the Connections page).
- `default_host()` — the SaaS host an integration gets when the admin names none (the form).
- `client(host=, credential=, timeout=)` — the API client; its `identity()` says who a token belongs to.
- `effective_scopes(granted)` — the scope implications ("repository:write" gives "repository").
- `verify_credential(host=, credential=, token_scopes=)` — the token check behind verify and connect.
- `raise_for_response(response)` — the error classification hook: a response becomes a typed error.
- `probe_host(host, timeout=, oauth_enabled=)` — read a self-hosted instance; None where there is none.
- `demo_app(emulator_url)` — the OAuth app `make demo` registers in the emulator; None when there is none.
- `option_fields` / `clean_options(raw)` — settings of an integration the provider declares (an Azure DevOps
  organization, a Microsoft Entra tenant, a Bitbucket Cloud workspace), kept in `ScmIntegration.options`; the
  dialog, the admin and the API show and validate them from these declarations.
- `authorize_url(host, options)` / `token_url(host, options)` — the OAuth endpoints of one integration (the
  token URL is sealed with the client secret, so the runner agent posts nowhere else).
- `projects` — what projects need (picker, repository lookup, webhook format and hook calls), a
  `providers.projects.ProjectSupport`; None for a provider without projects yet.
- `grant_extras(scopes=, options=)` — what a provider's token endpoint wants beside the standard grant
  (Microsoft Entra asks for the scopes again).
- `token_kinds` — the tokens users may paste instead of OAuth (the Connections page, the API).
- `token_credential(kind, login=, token=)` — how a pasted token of that kind is sent (Bearer, Basic).
- `bearer_git_username` / `clone_url(web_url=, repository=)` — how a runner's agent clones: the user name git
  sends with a Bearer-type token ("" for the connection's own), and the HTTPS clone URL of a repository.
- `context_parser` — parses pasted context URLs (`context.py`; "New environment", `resolve_context`).
- `context_reader` — client -> the reader that resolves them (default branch, ref, pull request); None where
  resolution is not built yet, and "New environment" says those URLs are Bitbucket-only for now.
- `check_token(host=, kind=, login=, token=, options=)` — ask the provider about a pasted token before it is
  stored, and again whenever it is verified: a `TokenCheck`, or `TokenRejected` in the user's terms. Transient
  failures (429, 5xx, timeouts) raise the typed errors of `providers.http` instead, so nothing is called
  revoked because a host was briefly down.

A capability a provider lacks raises `NotSupportedYet` naming the provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    import httpx

    from integrations.context.base import ContextParser
    from integrations.providers.base import ProviderSpec
    from integrations.providers.http import Credential
    from integrations.providers.projects import ProjectSupport


class NotSupportedYet(Exception):
    """The provider's package does not implement this capability yet."""


class HostUnreachable(Exception):
    """A self-hosted instance could not be read. `message` says so in plain words, naming the host."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to, as the provider says: the account and its git author identity."""

    account_id: str
    username: str
    display_name: str
    git_author_name: str
    git_author_email: str
    scopes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        return data


@dataclass(frozen=True)
class HostReport:
    """What a self-hosted instance told the portal when it was probed."""

    version: str = ""
    # Not a refusal: the instance works, but something on it is set up wrong (said to the admin).
    warning: str = ""
    # Form field -> why this instance cannot do what was asked (too old for OAuth, ...).
    refusals: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OptionField:
    """One provider-declared setting of an integration, stored under `key` in `ScmIntegration.options`."""

    key: str  # the key in `options`, the API's `options.<key>` and the form field `options.<key>`
    label: str
    help_text: str = ""
    required: bool = False
    placeholder: str = ""
    default: str = ""  # used when the admin leaves it empty
    max_length: int = 100
    pattern: str = ""  # a full-match regular expression for a non-empty value
    pattern_message: str = "Enter a valid value."
    lower: bool = False  # case-insensitive: kept in lower case (slugs)
    # Part of the sealed token URL: changing it means entering the client secret again.
    seals_with_secret: bool = False


@dataclass(frozen=True)
class DemoApp:
    """The OAuth app `make demo` configures on the demo runner and registers in the emulator."""

    host: str  # "" for the provider's default host
    client_id: str
    client_secret: str = field(repr=False)
    control_path: str = ""  # the emulator's control route that registers the app
    revoke_path: str = ""  # the emulator's control route that revokes a token (the demo's "Revoke" button)
    # The optional scopes the demo ticks (the webhook scopes, so the demo's projects can install hooks).
    optional_scopes: tuple[str, ...] = ()
    # (callback URL, scopes) -> the control route's JSON body
    registration: Callable[[str, Sequence[str]], dict[str, Any]] = field(default=lambda url, scopes: {})
    options: Mapping[str, str] = field(default_factory=dict)  # the integration's provider options


@dataclass(frozen=True)
class TokenKind:
    """One kind of token users paste instead of connecting by OAuth."""

    id: str  # the `method` value in the API and the database: "api-token", "access-token", ...
    label: str  # "API token"
    token_label: str = "Token"
    login_label: str = ""  # what goes with the token ("Atlassian account email"); "" when nothing does
    login_required: bool = False
    # The login is an email address; this says so when it is not ("" = any login).
    login_email_message: str = ""
    how_to: str = ""  # where to create it on the provider and what to tick, in a sentence or two
    docs_url: str = ""
    shareable: bool = False  # an org admin may enter it once for every member of the org
    legacy: bool = False  # still accepted, with advice on what replaces it


@dataclass(frozen=True)
class TokenCheck:
    """What the provider said about a pasted token. Never the token itself."""

    identity: Identity | None  # the account; None for tokens that belong to no user (access tokens)
    scopes: tuple[str, ...] = ()
    credential_type: str = ""  # the provider's own word for it ("repo_access_token", "fine-grained")
    resource: str = ""  # what a non-user token belongs to ("acme/api", "workspace acme")
    expires_at: datetime | None = None
    warnings: tuple[str, ...] = ()


class TokenRejected(Exception):
    """The provider refused a pasted token for good. `message` says why in the user's terms.

    `reason` is one of: invalid, wrong_login, expired, revoked, insufficient_scope, too_old, misconfigured,
    legacy_disabled, wrong_kind.
    """

    def __init__(self, message: str, *, reason: str, missing_scopes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.missing_scopes = missing_scopes


@runtime_checkable
class ProviderClient(Protocol):
    # `author_email=False`: the caller already knows the git author address, so a provider that needs a
    # second request for it (Bitbucket Cloud, GitHub) skips it: the health sweep's verify is one request.
    def identity(self, *, token_scopes: Iterable[str] = (), author_email: bool = True) -> Identity: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class Provider(Protocol):
    spec: ProviderSpec
    oauth_connect: bool

    def default_host(self) -> str: ...

    def client(self, *, host: str, credential: Credential | None = None,
               timeout: httpx.Timeout = ...) -> ProviderClient: ...

    def effective_scopes(self, granted: Iterable[str]) -> set[str]: ...

    def verify_credential(self, *, host: str, credential: Credential, token_scopes: Iterable[str] = (),
                          author_email: bool = True) -> Identity:
        ...

    def raise_for_response(self, response: httpx.Response) -> None: ...

    def probe_host(self, host: str, *, timeout: httpx.Timeout, oauth_enabled: bool) -> HostReport | None: ...

    def demo_app(self, emulator_url: str) -> DemoApp | None: ...

    token_kinds: tuple[TokenKind, ...]

    # The context-URL parser ("New environment"), or None: `integrations.context.parsing` dispatches to it.
    context_parser: ContextParser | None
    # Client -> `integrations.context.resolution.RepositoryReader`; None: its URLs cannot be resolved yet.
    context_reader: Callable[[Any], Any] | None

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential: ...

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck: ...

    option_fields: tuple[OptionField, ...]

    def clean_options(self, raw: Mapping[str, str], *, only: Iterable[str] | None = None) -> dict[str, str]: ...

    def authorize_url(self, host: str, options: Mapping[str, str]) -> str: ...

    def token_url(self, host: str, options: Mapping[str, str]) -> str: ...

    def grant_extras(self, *, scopes: Sequence[str], options: Mapping[str, str]) -> dict[str, str]: ...

    projects: ProjectSupport | None

    bearer_git_username: str

    def clone_url(self, *, web_url: str, repository: str) -> str: ...
