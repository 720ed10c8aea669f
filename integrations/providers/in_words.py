"""A provider call that failed, said the way the admin or user would say it.

`str(ProviderError)` is for logs (`bitbucket-server: no response (GET /rest/api/1.0/...): connection
failed (ConnectError)`); pages and form errors say what happened and what to check instead. Never the
provider's own error text: a host that is not what it claims could put anything there."""

from __future__ import annotations

from integrations.providers.http import ProviderError, RateLimited

_WHY = {
    "dns": "the name doesn't resolve",
    "refused": "the connection was refused",
    "timeout": "the connection timed out",
    "slow": "it did not answer in time",
    "tls": "the secure connection failed (its certificate was not accepted)",
    "dropped": "it closed the connection without answering",
    "no-route": "there is no network route to it",
    "failed": "the connection failed",
}


def unreachable_in_words(exc: ProviderError, where: str) -> str | None:
    """"We couldn't reach <where>: <why>. Check ..." when no answer came; None when the host answered."""
    failure = getattr(exc, "failure", "")
    if exc.status is not None or not failure:
        return None
    return (f"We couldn't reach {where}: {_WHY.get(failure, _WHY['failed'])}. Check the address and that the "
            "server accepts connections from the portal.")


def provider_error_in_words(exc: ProviderError, where: str) -> str:
    """Any provider failure as one sentence or two naming `where` (a host, or the provider's name)."""
    unreachable = unreachable_in_words(exc, where)
    if unreachable:
        return unreachable
    if isinstance(exc, RateLimited):
        return f"{where} asked the portal to slow down (HTTP 429); it will try again later."
    if exc.status is None:
        return f"{where} did not answer as expected; try again in a moment."
    if exc.status >= 500:
        return f"{where} answered with a server error (HTTP {exc.status}); it may be down or overloaded."
    return f"{where} answered HTTP {exc.status}."
