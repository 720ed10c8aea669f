"""Requests, responses and routing on top of ``http.server`` (no framework)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote


@dataclass
class Request:
    method: str
    path: str  # still percent-encoded, without the query string
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    # Set by the dispatcher: the path prefix this request was routed under ("" or "/bbs/...").
    mount: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def int_arg(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise HttpError(Response.json(400, {"message": f"{name} must be an integer"})) from None
        return max(value, minimum)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(Response.json(400, {"message": "The request body is not valid JSON"})) from None

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        body = json.dumps(data, indent=None, separators=(", ", ": ")).encode()
        return cls(status, body, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])])

    @classmethod
    def html(cls, status: int, text: str) -> Response:
        return cls(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", [("Location", location), ("Cache-Control", "no-store")])

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status)

    def with_header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


class HttpError(Exception):
    """Raised anywhere in a handler to answer with ``response`` instead."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


Handler = Callable[..., Response]


@dataclass
class Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler
    locked: bool


_PLACEHOLDER = re.compile(r"\{(\w+)(?::(path))?\}")


def _compile(pattern: str) -> re.Pattern[str]:
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[last:match.start()]))
        body = ".+" if match.group(2) else "[^/]+"
        out.append(f"(?P<{match.group(1)}>{body})")
        last = match.end()
    out.append(re.escape(pattern[last:]))
    return re.compile("^" + "".join(out) + "/?$")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, locked: bool = True) -> None:
        """``locked=False`` lets a handler run outside the state lock (it must lock itself)."""
        self.routes.append(Route(method.upper(), _compile(pattern), handler, locked))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Return the route and its decoded parameters, ``None`` when no path matches.

        Raises a 405 when the path exists under another method.
        """
        path_matched = False
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            path_matched = True
            if route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        if path_matched:
            raise HttpError(Response.json(405, {"message": f"Method {method} is not allowed here"}))
        return None
