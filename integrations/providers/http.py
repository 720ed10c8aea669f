"""HTTP plumbing shared by the provider API clients.

One function (`raise_for_response`) turns a provider response into a typed error, so every
caller classifies failures the same way (Sentry's shared_integrations does this); a provider whose
answers need more (Bitbucket Server's 401 for a missing permission) passes its own classifier to
`ProviderSession`. Paging lives in `paging.py`, OAuth token responses in `tokens.py`.

No Django import here: clients are built from settings elsewhere and run in Celery tasks.
"""

from __future__ import annotations

import base64
import email.utils
import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from integrations.providers import host_limits
from integrations.providers.transport import connect_failure, provider_transport, refused_host

# Explicit per-phase timeouts: a hung provider must not pin a Celery worker.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)
MAX_MESSAGE_CHARS = 300


# --- errors ---------------------------------------------------------------------------------


class ProviderError(Exception):
    """A provider call failed. `str()` and `repr()` never include credentials."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.method = method
        self.path = path
        self.detail = message
        where = f" ({method} {path})" if method and path else ""
        status_part = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{provider}: {status_part}{where}: {message}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class Unauthorized(ProviderError):
    """401: the credential is invalid, expired or revoked."""


class Forbidden(ProviderError):
    """403: authenticated, but not allowed."""


class InsufficientScope(Forbidden):
    """403 because the credential lacks a scope; `missing_scopes` names it when the provider says."""

    def __init__(
        self,
        message: str,
        *,
        missing_scopes: tuple[str, ...] = (),
        granted_scopes: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        self.missing_scopes = missing_scopes
        self.granted_scopes = granted_scopes
        if missing_scopes:
            message = f"{message} (missing scope: {', '.join(missing_scopes)})"
        super().__init__(message, **kwargs)


class NotFound(ProviderError):
    """404."""


class Gone(ProviderError):
    """410: the endpoint was removed (Bitbucket Cloud's cross-workspace endpoints)."""


class RateLimited(ProviderError):
    """429: transient, not a credential problem. `retry_after` is in seconds when the provider said."""

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        if retry_after is not None:
            message = f"{message} (retry after {retry_after}s)"
        super().__init__(message, **kwargs)


class ProviderUnavailable(ProviderError):
    """5xx, timeouts, refused or dropped connections, or an answer that is not what the API sends.

    `failure` says why no answer came (`transport.connect_failure`: dns, refused, timeout, ...); "" when
    the host did answer, with a status or a body that is not the API's."""

    def __init__(self, message: str, *, failure: str = "", **kwargs: Any) -> None:
        self.failure = failure
        super().__init__(message, **kwargs)


class HostRefused(ProviderUnavailable):
    """The host resolved to an internal address, so nothing was sent (SSRF); `host` names it."""

    def __init__(self, message: str, *, host: str, **kwargs: Any) -> None:
        self.host = host
        super().__init__(message, **kwargs)


class BadRequest(ProviderError):
    """Any other 4xx; carries the provider's own message."""


# --- response -> error ----------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> int | None:
    """Retry-After is either delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0, int(delta + 0.999))


def split_scopes(value: str | None) -> tuple[str, ...]:
    """Scope headers/fields are space or comma separated depending on the endpoint."""
    if not value:
        return ()
    return tuple(s for s in value.replace(",", " ").split() if s)


def _body_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def provider_message(body: Any) -> str:
    """The human message from Cloud (`error.message`), Server (`errors[].message`) or OAuth bodies."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        detail = error.get("detail")
        if isinstance(detail, str) and detail:
            message = f"{message} {detail}".strip()
        return message
    errors = body.get("errors")
    if isinstance(errors, list):
        return "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message"))
    if isinstance(error, str):  # OAuth 2.0 token endpoint errors (RFC 6749 5.2)
        description = body.get("error_description")
        return f"{error}: {description}" if description else error
    message = body.get("message")
    return str(message) if message else ""


def scrub_text(text: str, request: httpx.Request | None) -> str:
    """Providers may echo what they were sent; never let the credential reach a message."""
    if request is not None:
        auth = request.headers.get("Authorization", "")
        for secret in (auth, *auth.split(" ", 1)[1:]):
            if len(secret) >= 6:
                text = text.replace(secret, "[redacted]")
    text = " ".join(text.split())
    return text[:MAX_MESSAGE_CHARS]


def _missing_scopes(response: httpx.Response, body: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    granted = split_scopes(response.headers.get("X-OAuth-Scopes"))
    required: tuple[str, ...] = ()
    error = body.get("error") if isinstance(body, dict) else None
    detail = error.get("detail") if isinstance(error, dict) else None
    if isinstance(detail, dict):  # Cloud: {"detail": {"required": [...], "granted": [...]}}
        required = tuple(str(s) for s in detail.get("required") or ())
        granted = tuple(str(s) for s in detail.get("granted") or ()) or granted
    if not required:
        required = split_scopes(response.headers.get("X-Accepted-OAuth-Scopes"))
    missing = tuple(s for s in required if s not in granted)
    return missing, granted


def raise_for_response(response: httpx.Response, *, provider: str) -> None:
    """Raise the typed error for a non-2xx response; return None for success."""
    status = response.status_code
    if 200 <= status < 300:
        return
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a Response built by hand has no request
        request = None
    method = request.method if request is not None else None
    path = request.url.path if request is not None else None
    body = _body_json(response)
    message = scrub_text(provider_message(body) or response.reason_phrase or "error", request)
    common: dict[str, Any] = {"provider": provider, "status": status, "method": method, "path": path}

    if status == 401:
        raise Unauthorized(message, **common)
    if status == 403:
        missing, granted = _missing_scopes(response, body)
        lacks_scope = "scope" in message.lower()
        if missing or lacks_scope:
            raise InsufficientScope(message, missing_scopes=missing, granted_scopes=granted, **common)
        raise Forbidden(message, **common)
    if status == 404:
        raise NotFound(message, **common)
    if status == 410:
        raise Gone(message, **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise RateLimited(message, retry_after=retry_after, **common)
    if status >= 500:
        raise ProviderUnavailable(message, **common)
    if 300 <= status < 400:
        # Redirects are not followed (credentials must not travel to another URL): a redirect
        # here usually means a wrong base URL (http vs https, missing context path).
        raise ProviderUnavailable("unexpected redirect; check the base URL", **common)
    raise BadRequest(message, **common)


# --- credentials ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BearerToken:
    """OAuth access tokens, Cloud repository/project/workspace access tokens, Server HTTP tokens."""

    token: str = field(repr=False)
    kind: str = "oauth"

    def authorization(self) -> str:
        return f"Bearer {self.token}"


@dataclass(frozen=True)
class BasicCredentials:
    """Cloud API token (Atlassian email + token), legacy app password, Server user token via Basic."""

    username: str
    password: str = field(repr=False)
    kind: str = "api_token"

    def authorization(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return f"Basic {base64.b64encode(raw).decode('ascii')}"


Credential = BearerToken | BasicCredentials


# --- session --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request as shown to users (Read the Docs style). Never headers or bodies."""

    method: str
    path: str
    status: int | None
    duration_ms: int
    error: str | None = None


class ProviderSession:
    """An httpx client bound to one base URL and credential, with the error mapping applied."""

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        credential: Credential | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        user_agent: str = "scm-portal",
        history_size: int = 50,
        classify: Callable[[httpx.Response], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        limiter: host_limits.HostLimiter | None | bool = True,
    ) -> None:
        self.base_url = httpx.URL(base_url.rstrip("/"))
        self.provider = provider
        # Every request takes one of the host's slots (host_limits); False turns the cap off (unit tests).
        self._limiter = limiter
        self.host_key = f"{self.base_url.host}:{self.base_url.port or (443 if self.base_url.scheme == 'https' else 80)}"
        self.hourly_budget = host_limits.hourly_budget(provider)
        # The provider's error classification hook; raises the typed error for a non-2xx response.
        self.classify = classify or (lambda response: raise_for_response(response, provider=provider))
        self.credential = credential
        self.last_response_headers: httpx.Headers = httpx.Headers()
        self.exchanges: deque[Exchange] = deque(maxlen=history_size)
        # follow_redirects=False: a redirect would carry the Authorization header elsewhere.
        # The transport connects only to addresses it checked itself, on every connection (SSRF).
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            follow_redirects=False,
            transport=transport or provider_transport(),
            headers={"User-Agent": user_agent, "Accept": "application/json", **(headers or {})},
        )

    def __repr__(self) -> str:
        return f"ProviderSession({self.provider!r}, {str(self.base_url)!r})"

    def close(self) -> None:
        self._client.close()

    def same_origin(self, url: str) -> bool:
        parsed = httpx.URL(url)
        base = self.base_url
        return (parsed.scheme, parsed.host, parsed.port) == (base.scheme, base.host, base.port)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send within the host's limits and map transport failures; the caller decides what a non-2xx means."""
        headers = {}
        if authenticated and self.credential is not None:
            headers["Authorization"] = self.credential.authorization()
        request = self._client.build_request(method, url, params=params, json=json_body, headers=headers)
        limiter = host_limits.default_limiter() if self._limiter is True else (self._limiter or None)
        if limiter is None:
            return self._send(request, method)
        try:
            if self.hourly_budget and "Authorization" in headers:
                limiter.spend(self.host_key, host_limits.credential_key(headers["Authorization"]),
                                   self.hourly_budget)
            with limiter.slot(self.host_key):
                response = self._send(request, method)
        except host_limits.HostBusy as exc:
            raise RateLimited(str(exc), retry_after=exc.retry_after, provider=self.provider, method=method,
                              path=request.url.path) from None
        if response.status_code == 429:
            # The host said slow down: every worker waits, not only the one that was told.
            wait = parse_retry_after(response.headers.get("Retry-After"))
            limiter.pause(self.host_key, wait if wait is not None else host_limits.DEFAULT_PAUSE_SECONDS)
        return response

    def _send(self, request: httpx.Request, method: str) -> httpx.Response:
        path = request.url.path
        started = time.monotonic()
        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            error = ProviderUnavailable(
                f"timed out ({type(exc).__name__})", provider=self.provider, method=method, path=path,
                failure=connect_failure(exc),
            )
        except httpx.TransportError as exc:
            # httpx exceptions hold the request (and its Authorization header): keep only the
            # class name, and raise outside the except block so neither __cause__ nor
            # __context__ lets a logger reach the request.
            refused = refused_host(exc)
            if refused:
                error = HostRefused(f"refused: {refused} resolves to a private, loopback or link-local address",
                                    host=refused, provider=self.provider, method=method, path=path)
            else:
                error = ProviderUnavailable(f"connection failed ({type(exc).__name__})", provider=self.provider,
                                            method=method, path=path, failure=connect_failure(exc))
        else:
            self._record(method, path, response.status_code, started)
            self.last_response_headers = response.headers
            return response
        self._record(method, path, None, started, error=error.detail)
        raise error

    def _record(self, method: str, path: str, status: int | None, started: float, error: str | None = None) -> None:
        duration_ms = int((time.monotonic() - started) * 1000)
        self.exchanges.append(Exchange(method, path, status, duration_ms, error))

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send, raise the typed error for non-2xx, and decode JSON (204 -> None)."""
        response = self.send(method, url, **kwargs)
        self.classify(response)
        if response.status_code == 204 or not response.content:
            return None
        return decode_json(response, provider=self.provider)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.request_json("GET", url, **kwargs)


def decode_json(response: httpx.Response, *, provider: str) -> Any:
    """An HTML error page from a proxy on a 200 is an outage, not data."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderUnavailable(
            "answered with something that is not JSON",
            provider=provider,
            status=response.status_code,
            method=response.request.method,
            path=response.request.url.path,
        ) from None

