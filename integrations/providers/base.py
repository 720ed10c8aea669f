"""What the portal knows about a source-control provider (its spec), and the defaults every provider
object starts from. The contract itself is `protocol.Provider`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.core.exceptions import ValidationError

from integrations.context.base import ContextParser
from integrations.providers.http import DEFAULT_TIMEOUT, Credential, raise_for_response
from integrations.providers.projects import ProjectSupport
from integrations.providers.protocol import (
    DemoApp,
    HostReport,
    Identity,
    NotSupportedYet,
    OptionField,
    ProviderClient,
    TokenCheck,
    TokenKind,
)


@dataclass(frozen=True)
class Scope:
    name: str
    reason: str
    required: bool = True


@dataclass(frozen=True)
class ProviderSpec:
    id: str  # the identifier used everywhere: URLs, API, database
    name: str  # the full name, in lists and titles ("Bitbucket Server / Data Center")
    label: str  # the short name in sentences ("Bitbucket Server is now connected")
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
    # The dialog's wording where providers name things differently.
    host_label: str = "Host"
    host_help: str = ""  # empty: "Leave empty for <default host>, or enter your self-managed instance's URL."
    host_example: str = ""  # the placeholder when there is no default host
    callback_label: str = "Callback URL"
    optional_scopes_note: str = ""
    # How the runner agent authenticates to the token endpoint.
    client_auth: str = "basic"
    pkce: bool = False
    scope_separator: str = " "

    @property
    def requires_host(self) -> bool:
        return self.host_editable and not self.default_host

    @property
    def host_placeholder(self) -> str:
        return self.default_host or self.host_example

    @property
    def connected_message(self) -> str:
        return f"{self.label} is now connected"

    def required_scopes(self) -> list[str]:
        return [s.name for s in self.scopes if s.required]

    def optional_scopes(self) -> list[Scope]:
        return [s for s in self.scopes if not s.required]


def effective_scopes(granted: Iterable[str], implications: Mapping[str, tuple[str, ...]]) -> set[str]:
    """`granted` plus every scope it implies, transitively ("repository:write" gives "repository")."""
    out: set[str] = set()
    pending = list(granted)
    while pending:
        scope = pending.pop()
        if scope not in out:
            out.add(scope)
            pending.extend(implications.get(scope, ()))
    return out


class BaseProvider:
    """Defaults for a provider object: subclasses set `spec` and override what they support.

    What a provider does not support yet raises `NotSupportedYet` with its name, never a guess.
    """

    spec: ProviderSpec
    # A broader scope includes the narrower ones it maps to.
    scope_implications: Mapping[str, tuple[str, ...]] = {}
    # Users connect accounts by OAuth (an allauth sub-provider per integration, the Connections page).
    oauth_connect: bool = False
    # The tokens users may paste instead of OAuth; none until the provider's package names them.
    token_kinds: tuple[TokenKind, ...] = ()
    # Settings of an integration this provider declares (kept in `ScmIntegration.options`).
    option_fields: tuple[OptionField, ...] = ()
    # Projects (repository picker, webhooks); None: "Bitbucket-only for now" wherever projects are offered.
    projects: ProjectSupport | None = None
    # Parses this provider's pasted context URLs (`providers/<id>/context.py`); None: not understood yet.
    context_parser: ContextParser | None = None
    # Client -> `integrations.context.resolution.RepositoryReader`; None: its URLs cannot be resolved yet.
    context_reader: Callable[[Any], Any] | None = None
    # The user name git sends with a Bearer-type token over HTTPS; "" for the connection's own user name.
    bearer_git_username: str = ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec.id}>"

    def default_host(self) -> str:
        return self.spec.default_host

    def client(
        self, *, host: str, credential: Credential | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> ProviderClient:
        raise NotSupportedYet(f"{self.spec.name}: the portal cannot call its API yet.")

    def effective_scopes(self, granted: Iterable[str]) -> set[str]:
        return effective_scopes(granted, self.scope_implications)

    def verify_credential(self, *, host: str, credential: Credential, token_scopes: Iterable[str] = (),
                          author_email: bool = True) -> Identity:
        with self.client(host=host, credential=credential) as client:
            return client.identity(token_scopes=token_scopes, author_email=author_email)

    def raise_for_response(self, response: httpx.Response) -> None:
        raise_for_response(response, provider=self.spec.id)

    def probe_host(self, host: str, *, timeout: httpx.Timeout, oauth_enabled: bool) -> HostReport | None:
        return None

    def demo_app(self, emulator_url: str) -> DemoApp | None:
        return None

    def token_credential(self, kind: str, *, login: str, token: str) -> Credential:
        raise NotSupportedYet(f"{self.spec.name}: the portal does not accept pasted tokens yet.")

    def check_token(self, *, host: str, kind: str, login: str, token: str,
                    options: Mapping[str, str]) -> TokenCheck:
        raise NotSupportedYet(f"{self.spec.name}: the portal does not accept pasted tokens yet.")

    def clean_options(self, raw: Mapping[str, str], *, only: Iterable[str] | None = None) -> dict[str, str]:
        """The declared options from `raw` (anything else is dropped), trimmed and checked; raises a
        `ValidationError` keyed by option key. An empty optional value takes the field's default.
        `only`: check and return just these keys (the ones a token URL is built from)."""
        cleaned: dict[str, str] = {}
        errors: dict[str, str] = {}
        for option in self.option_fields:
            if only is not None and option.key not in only:
                continue
            value = raw.get(option.key)
            value = value.strip() if isinstance(value, str) else ""
            if option.lower:
                value = value.lower()
            if not value:
                if option.required and not option.default:
                    errors[option.key] = f"Enter the {option.label.lower()}."
                elif option.default:
                    cleaned[option.key] = option.default
                continue
            if len(value) > option.max_length:
                errors[option.key] = f"{option.label} is {option.max_length} characters at most."
            elif option.pattern and not re.fullmatch(option.pattern, value):
                errors[option.key] = option.pattern_message
            else:
                cleaned[option.key] = value
        if errors:
            raise ValidationError(errors)
        return cleaned

    def authorize_url(self, host: str, options: Mapping[str, str]) -> str:
        return f"{host.rstrip('/')}{self.spec.authorize_path}"

    def token_url(self, host: str, options: Mapping[str, str]) -> str:
        return f"{host.rstrip('/')}{self.spec.token_path}"

    def grant_extras(self, *, scopes: Sequence[str], options: Mapping[str, str]) -> dict[str, str]:
        return {}

    def clone_url(self, *, web_url: str, repository: str) -> str:
        """The HTTPS URL git clones a repository from, given its web page; "" when unknown."""
        web = (web_url or "").rstrip("/")
        return f"{web}.git" if web else ""
