"""The log of requests the emulator received, so tests can assert "exactly one hook created"."""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.clock import iso, now
from emulator.httpcore import Request
from emulator.store import State

LOGGED_HEADERS = ("Authorization", "Content-Type", "Accept", "User-Agent", "X-Atlassian-Token")
# Values of these body fields are replaced, so the log never holds a credential or a secret.
SECRET_FIELDS = frozenset({
    "client_secret", "password", "secret", "refresh_token", "access_token", "code", "code_verifier",
    "token",
})
REDACTED = "***"


def record(state: State, request: Request, *, in_flight: int = 1) -> None:
    entry: dict[str, Any] = {
        # Requests being answered when this one arrived, itself included.
        "in_flight": in_flight,
        "method": request.method,
        "path": request.path,
        "query": {key: values[-1] for key, values in request.query.items()},
        "headers": _headers(request),
        "json": None,
        "form": None,
        "at": iso(now()),
    }
    if request.body and request.content_type == "application/json":
        try:
            entry["json"] = _redact(json.loads(request.body))
        except ValueError:
            entry["json"] = None
    elif request.body and request.content_type == "application/x-www-form-urlencoded":
        entry["form"] = _redact(request.form())
    with state.lock:
        state.requests.append(entry)


def select(state: State, path: str | None, method: str | None) -> list[dict[str, Any]]:
    pattern = re.compile(path) if path else None
    with state.lock:
        entries = list(state.requests)
    return [
        entry for entry in entries
        if (pattern is None or pattern.search(entry["path"]))
        and (method is None or entry["method"] == method.upper())
    ]


def _headers(request: Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in LOGGED_HEADERS:
        value = request.header(name)
        if value is None:
            continue
        if name == "Authorization":
            scheme = value.split(" ", 1)[0]
            value = f"{scheme} {REDACTED}"
        out[name] = value
    return out


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if k in SECRET_FIELDS and v not in (None, "") else _redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value
