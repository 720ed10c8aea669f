"""GitHub's error classification hook: the shared mapping, plus GitHub's rate limits, which arrive as 403
(primary limit: `X-RateLimit-Remaining: 0`; secondary limit: a message saying so) as well as 429."""

from __future__ import annotations

import httpx

from integrations.providers import http, ratelimit


def _rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    if ratelimit.exhausted(response.headers) or "Retry-After" in response.headers:
        return True
    try:
        message = str(response.json().get("message") or "")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return False
    return "rate limit" in message.lower()


def raise_for_response(response: httpx.Response, *, provider: str = "github") -> None:
    if _rate_limited(response):
        try:
            request: httpx.Request | None = response.request
        except RuntimeError:
            request = None
        raise http.RateLimited("GitHub rate limit exceeded", retry_after=ratelimit.retry_after(response.headers),
                               provider=provider, status=response.status_code,
                               method=request.method if request is not None else None,
                               path=request.url.path if request is not None else None)
    http.raise_for_response(response, provider=provider)
