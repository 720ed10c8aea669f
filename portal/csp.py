"""Content-Security-Policy on every response (Django 5.2 has no CSP middleware of its own).

The policy allows this origin's own scripts, styles, images and fetches, and nothing inline: the pages
load htmx, portal.js and connect.js from /static/ and pass data in `data-` attributes or JSON script
blocks (which are data, not scripts). A view may widen one directive for its own responses with
`csp_extend(response, directive, *sources)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
_EXTRA = "_csp_extra"


def policy_text(directives: dict[str, Iterable[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


def csp_extend(response: HttpResponse, directive: str, *sources: str) -> HttpResponse:
    extra = getattr(response, _EXTRA, {})
    extra.setdefault(directive, []).extend(sources)
    setattr(response, _EXTRA, extra)
    return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER in response:
            return response
        directives = {name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()}
        for name, sources in getattr(response, _EXTRA, {}).items():
            directives.setdefault(name, []).extend(s for s in sources if s not in directives[name])
        response[HEADER] = policy_text(directives)
        return response
