"""GitLab REST v4 client (gitlab.com or self-managed, `{host}/api/v4`): identity and the token's
self-description. Errors are the typed ones of `providers.http`, classified by `errors.py`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from integrations.providers.gitlab.errors import raise_for_response
from integrations.providers.http import DEFAULT_TIMEOUT, Credential, ProviderSession
from integrations.providers.protocol import Identity

PROVIDER = "gitlab"


class GitLabClient:
    def __init__(self, host: str, *, credential: Credential | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self.session = ProviderSession(f"{host.rstrip('/')}/api/v4", provider=PROVIDER, credential=credential,
                                       timeout=timeout, classify=raise_for_response)

    def __repr__(self) -> str:
        return f"GitLabClient({str(self.session.base_url)!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> GitLabClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def current_user(self) -> dict[str, Any]:
        return self.session.get_json("/user")

    def token_self(self) -> dict[str, Any]:
        """Personal, group and project access tokens describe themselves (scopes, expiry, revoked)."""
        return self.session.get_json("/personal_access_tokens/self")

    def identity(self, *, token_scopes: Iterable[str] = (), author_email: bool = True) -> Identity:
        """GitLab's API names no scopes in its headers: the token response's (or the token's own) are the record."""
        user = self.current_user()
        username = str(user.get("username") or "")
        # commit_email is what GitLab itself uses for web commits; email needs read_user on another user.
        email = str(user.get("commit_email") or user.get("email") or user.get("public_email") or "")
        return Identity(account_id=str(user.get("id") or ""), username=username,
                        display_name=str(user.get("name") or username), git_author_name=str(user.get("name") or
                                                                                            username),
                        git_author_email=email, scopes=tuple(token_scopes))
