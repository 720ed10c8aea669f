"""How a Connect attempt ends: the small page that tells the opener (postMessage) and closes, and the
per-session record of results that the opener polls when the message is lost."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from integrations.models import ScmIntegration

RESULTS_SESSION_KEY = "scm_connect_results"
MESSAGE_TYPE = "scm-connect-result"
MAX_RESULTS = 20


def portal_origin() -> str:
    parts = urlsplit(settings.PORTAL_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def connected_message(integration: ScmIntegration) -> str:
    return integration.spec.connected_message


def record_result(request: HttpRequest, integration_id: int, *, ok: bool, message: str) -> None:
    results = dict(request.session.get(RESULTS_SESSION_KEY) or {})
    results[str(integration_id)] = {"ok": ok, "message": message, "at": time.time()}
    if len(results) > MAX_RESULTS:
        oldest = sorted(results, key=lambda key: results[key]["at"])[: len(results) - MAX_RESULTS]
        for key in oldest:
            del results[key]
    request.session[RESULTS_SESSION_KEY] = results


def latest_result(request: HttpRequest, integration_id: int, *, since: float) -> dict | None:
    result = (request.session.get(RESULTS_SESSION_KEY) or {}).get(str(integration_id))
    if isinstance(result, dict) and float(result.get("at") or 0) > since:
        return result
    return None


def done_url(integration: ScmIntegration, *, popup: bool, return_to: str = "") -> str:
    url = reverse("connection_oauth_done", args=[integration.organization.slug, integration.pk])
    if popup:
        return f"{url}?popup=1"
    return f"{url}?{urlencode({'return': return_to})}" if return_to else url


def safe_return_url(request: HttpRequest, url: str | None, fallback: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return fallback


def mode_from_state(state: dict | None) -> tuple[bool | None, str]:
    """(popup?, return URL) from the `next` URL stashed in allauth's state; (None, "") when unknown."""
    next_url = (state or {}).get("next") or ""
    if not next_url:
        return None, ""
    query = parse_qs(urlsplit(next_url).query)
    return "popup" in query, (query.get("return") or [""])[0]


def connections_url(integration: ScmIntegration | None) -> str:
    if integration is None:
        return reverse("home")
    return reverse("connection_list", args=[integration.organization.slug])


def result_response(request: HttpRequest, integration: ScmIntegration | None, *, ok: bool, message: str,
                    popup: bool | None = None, return_url: str = "", status: int | None = None) -> HttpResponse:
    """The page a Connect attempt ends on. In a popup it posts the result to its opener (target origin:
    the portal's) and, on success, closes; in a full page it links back to where the user was."""
    if integration is not None:
        record_result(request, integration.pk, ok=ok, message=message)
    back = safe_return_url(request, return_url, connections_url(integration))
    result = {"type": MESSAGE_TYPE, "integration": integration.pk if integration else None, "ok": ok,
              "message": message}
    response = render(request, "integrations/oauth_result.html", {
        "result": result, "ok": ok, "message": message, "popup": popup, "back_url": back,
        "target_origin": portal_origin(), "integration": integration,
    }, status=status or (200 if ok else 400))
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    response["Cache-Control"] = "no-store"
    return response
