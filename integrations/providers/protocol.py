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

A capability a provider lacks raises `NotSupportedYet` naming the provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    import httpx

    from integrations.providers.base import ProviderSpec
    from integrations.providers.http import Credential


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
class DemoApp:
    """The OAuth app `make demo` configures on the demo runner and registers in the emulator."""

    host: str  # "" for the provider's default host
    client_id: str
    client_secret: str = field(repr=False)
    control_path: str = ""  # the emulator's control route that registers the app
    # (callback URL, scopes) -> the control route's JSON body
    registration: Callable[[str, Sequence[str]], dict[str, Any]] = field(default=lambda url, scopes: {})


@runtime_checkable
class ProviderClient(Protocol):
    def identity(self, *, token_scopes: Iterable[str] = ()) -> Identity: ...

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

    def verify_credential(self, *, host: str, credential: Credential, token_scopes: Iterable[str] = ()) -> Identity:
        ...

    def raise_for_response(self, response: httpx.Response) -> None: ...

    def probe_host(self, host: str, *, timeout: httpx.Timeout, oauth_enabled: bool) -> HostReport | None: ...

    def demo_app(self, emulator_url: str) -> DemoApp | None: ...
