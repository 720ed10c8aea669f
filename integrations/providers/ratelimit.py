"""How long a provider asks to wait, from its rate-limit headers: `Retry-After` first (seconds or a date),
then the reset time of the exhausted window (GitHub `X-RateLimit-Reset`, GitLab `RateLimit-Reset`, Azure
DevOps `X-RateLimit-Reset`: Unix seconds)."""

from __future__ import annotations

import time

import httpx

from integrations.providers.http import parse_retry_after

RESET_HEADERS = ("X-RateLimit-Reset", "RateLimit-Reset")
REMAINING_HEADERS = ("X-RateLimit-Remaining", "RateLimit-Remaining")


def retry_after(headers: httpx.Headers, *, now: float | None = None) -> int | None:
    """Seconds to wait, or None when the provider did not say."""
    seconds = parse_retry_after(headers.get("Retry-After"))
    if seconds is not None:
        return seconds
    for name in RESET_HEADERS:
        value = (headers.get(name) or "").strip()
        if value.isdigit():
            reset = int(value)
            # A small number is a delay (IETF draft RateLimit-Reset); a large one a Unix time.
            if reset < 10**9:
                return reset
            return max(0, int(reset - (now if now is not None else time.time()) + 0.999))
    return None


def exhausted(headers: httpx.Headers) -> bool:
    """The window's remaining count says 0: a 403 with this is GitHub's primary rate limit, not a refusal."""
    return any((headers.get(name) or "").strip() == "0" for name in REMAINING_HEADERS)
