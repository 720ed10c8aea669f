"""GitHub REST client (api.github.com, or `{host}/api/v3` on GitHub Enterprise Server): identity and the
token check. Errors are the typed ones of `providers.http`, classified by `errors.py`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from integrations.providers.github.errors import raise_for_response
from integrations.providers.http import DEFAULT_TIMEOUT, Credential, NotFound, ProviderSession, split_scopes
from integrations.providers.http import InsufficientScope as _InsufficientScope
from integrations.providers.protocol import Identity

PROVIDER = "github"
DOTCOM = "https://github.com"


def api_url_for(host: str) -> str:
    """github.com's API has its own host; Enterprise Server serves it under /api/v3."""
    host = host.rstrip("/")
    return "https://api.github.com" if host == DOTCOM else f"{host}/api/v3"


def parse_expiration(value: str | None) -> datetime | None:
    """`github-authentication-token-expiration`: "2026-12-31 00:00:00 UTC" (or with a numeric offset)."""
    if not value:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S %z"):
        try:
            parsed = datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


class GitHubClient:
    def __init__(self, *, api_url: str, credential: Credential | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self.session = ProviderSession(api_url, provider=PROVIDER, credential=credential, timeout=timeout,
                                       classify=raise_for_response)
        self.header_scopes_of_user: tuple[str, ...] | None = None
        self.expires_at_of_user: datetime | None = None

    def __repr__(self) -> str:
        return f"GitHubClient({str(self.session.base_url)!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def current_user(self) -> dict[str, Any]:
        return self.session.get_json("/user")

    @property
    def header_scopes(self) -> tuple[str, ...] | None:
        """The scopes of the last answer's `X-OAuth-Scopes`; None when absent (fine-grained tokens)."""
        headers = self.session.last_response_headers
        return split_scopes(headers.get("X-OAuth-Scopes")) if "X-OAuth-Scopes" in headers else None

    @property
    def expires_at(self) -> datetime | None:
        return parse_expiration(self.session.last_response_headers.get("github-authentication-token-expiration"))

    def primary_email(self) -> str:
        """The primary address if verified; "" when unverified or the token may not read addresses."""
        try:
            emails = self.session.get_json("/user/emails", params={"per_page": 100})
        except (NotFound, _InsufficientScope):
            return ""
        for entry in emails if isinstance(emails, list) else []:
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified"):
                return str(entry.get("email") or "")
        return ""

    def visible_repositories(self, *, limit: int = 1) -> list[dict[str, Any]]:
        body = self.session.get_json("/user/repos", params={"per_page": limit})
        return body if isinstance(body, list) else []

    def identity(self, *, token_scopes: Iterable[str] = (), author_email: bool = True) -> Identity:
        user = self.current_user()
        scopes = self.header_scopes
        # Kept for the token check: what /user said, before /user/emails answers.
        self.header_scopes_of_user, self.expires_at_of_user = scopes, self.expires_at
        login = str(user.get("login") or "")
        email = (self.primary_email() if author_email else "") or str(user.get("email") or "")
        if not email and user.get("id") and login:
            # GitHub's own no-reply address keeps commits attributable without a public address.
            email = f"{user['id']}+{login}@users.noreply.github.com"
        return Identity(account_id=str(user.get("id") or ""), username=login,
                        display_name=str(user.get("name") or login), git_author_name=str(user.get("name") or login),
                        git_author_email=email, scopes=scopes if scopes is not None else tuple(token_scopes))
