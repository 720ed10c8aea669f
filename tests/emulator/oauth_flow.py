"""Drive a consent page the way a browser would (GET the page, POST its form)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx


def open_consent(url: str, params: dict[str, str]) -> tuple[str, str]:
    """Return (page HTML, the form's request_id)."""
    page = httpx.get(url, params=params, timeout=10)
    assert page.status_code == 200, page.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text)
    assert request_id, page.text
    return page.text, request_id.group(1)


def decide(action_url: str, request_id: str, action: str, user: str | None = None) -> dict[str, list[str]]:
    """Press Grant or Cancel; return the query of the redirect back to the client."""
    form = {"request_id": request_id, "action": action}
    if user:
        form["user"] = user
    response = httpx.post(action_url, data=form, timeout=10)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)


def form_action(page: str) -> str:
    found = re.search(r'<form method="post" action="([^"]+)"', page)
    assert found
    return found.group(1)
