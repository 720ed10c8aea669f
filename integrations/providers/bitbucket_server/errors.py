"""Bitbucket Server's error classification hook: the shared mapping, plus its 401 for a missing permission."""

from __future__ import annotations

from typing import Any

import httpx

from integrations.providers import http


def _body_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _authenticated_but_not_permitted(response: httpx.Response) -> bool:
    """Bitbucket Server answers 401 (not 403) when a valid credential lacks a permission.

    It still names the user in X-AUSERNAME then, and the exception is an *Authorisation* one;
    reading that as "token revoked" would disconnect a healthy connection.
    """
    if response.headers.get("X-AUSERNAME"):
        return True
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a Response built by hand has no request
        request = None
    if request is None or "Authorization" not in request.headers:
        return False  # anonymous: signing in is exactly what is missing
    body = _body_json(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    names = [e.get("exceptionName") or "" for e in errors or () if isinstance(e, dict)]
    return any(name.endswith(".AuthorisationException") for name in names)


def raise_for_response(response: httpx.Response, *, provider: str) -> None:
    """Raise the typed error for a non-2xx Bitbucket Server response; None for success."""
    try:
        http.raise_for_response(response, provider=provider)
    except http.Unauthorized as exc:
        if not _authenticated_but_not_permitted(response):
            raise
        raise http.Forbidden(exc.detail, provider=provider, status=exc.status, method=exc.method,
                             path=exc.path) from None
