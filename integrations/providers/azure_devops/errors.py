"""Azure DevOps' error classification hook. Azure DevOps answers a credential it does not accept with 203 and
a sign-in page (a success code!) unless told `X-TFS-FedAuthRedirect: Suppress`, a personal access token
without the needed scope with 401, and throttling with 429 and `Retry-After`."""

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


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def raise_for_response(response: httpx.Response, *, provider: str = "azure-devops") -> None:
    status = response.status_code
    if status == 203 or (status == 302 and "_signin" in response.headers.get("Location", "")):
        raise http.Unauthorized("the credential was not accepted (sign-in page)", **_common(response, provider))
    if status == 401 and "scope" in _message(response).lower():
        raise http.InsufficientScope(http.scrub_text(_message(response), None), **_common(response, provider))
    if status == 429 or (status == 503 and "Retry-After" in response.headers):
        raise http.RateLimited("Azure DevOps is throttling requests",
                               retry_after=ratelimit.retry_after(response.headers), **_common(response, provider))
    http.raise_for_response(response, provider=provider)
