"""Values a page shows once (a new API token, a runner's registration token) under post/redirect/get.

The POST stores the value in the session, encrypted with the portal's key ring, and redirects; the GET
takes it out, so a reload or Back shows the page without it and creates nothing. Keys are namespaced by
what the value is for, e.g. `one_time_put(request, f"runner-token:{runner.pk}", token)`.
"""

from __future__ import annotations

from django.http import HttpRequest

from portal.crypto import DecryptionFailed, decrypt_str, encrypt_str

SESSION_KEY = "portal_one_time"


def one_time_put(request: HttpRequest, key: str, value: str) -> None:
    held = dict(request.session.get(SESSION_KEY) or {})
    held[key] = encrypt_str(value)
    request.session[SESSION_KEY] = held


def one_time_take(request: HttpRequest, key: str) -> str | None:
    """The value once, then never again (None when there is none)."""
    held = dict(request.session.get(SESSION_KEY) or {})
    sealed = held.pop(key, None)
    if sealed is None:
        return None
    request.session[SESSION_KEY] = held
    try:
        return decrypt_str(sealed)
    except DecryptionFailed:
        return None
