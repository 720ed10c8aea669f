"""GitLab's error classification hook: the shared mapping, plus GitLab's own ways of saying things — a 403
`insufficient_scope` names the scopes that would do in `scope`, and 429s carry `RateLimit-Reset`."""

from __future__ import annotations

import httpx

from integrations.providers import http, ratelimit


def _common(response: httpx.Response, provider: str) -> dict:
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:
        request = None
    return {"provider": provider, "status": response.status_code,
            "method": request.method if request is not None else None,
            "path": request.url.path if request is not None else None}


def raise_for_response(response: httpx.Response, *, provider: str = "gitlab") -> None:
    status = response.status_code
    if status == 429:
        raise http.RateLimited("GitLab rate limit exceeded", retry_after=ratelimit.retry_after(response.headers),
                               **_common(response, provider))
    if status == 403:
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict) and body.get("error") == "insufficient_scope":
            accepted = http.split_scopes(str(body.get("scope") or ""))
            # Any one of the accepted scopes would do: name them as what is missing.
            raise http.InsufficientScope(str(body.get("error_description") or "insufficient scope"),
                                         missing_scopes=accepted, **_common(response, provider))
    http.raise_for_response(response, provider=provider)
