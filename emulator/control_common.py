"""Small helpers for the control API's JSON bodies, and for seeds that call its handlers directly."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.message import Message
from typing import TYPE_CHECKING, Any

from emulator.httpcore import HttpError, Request, Response

if TYPE_CHECKING:
    from emulator.app import Emulator


def bad_request(message: str) -> HttpError:
    return HttpError(Response.json(400, {"error": message}))


def body_of(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    return body


def required_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{name} is required (a non-empty string)")
    return value.strip()


def optional_list(body: dict[str, Any], name: str) -> list[Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad_request(f"{name} must be a list")
    return value


def optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_request(f"{name} must be an integer")
    return value


def ok(data: Any, status: int = 200) -> Response:
    return Response.json(status, data)


def revoke_in(body: dict[str, Any], *stores: dict) -> Response:
    """Revoke an access or refresh token found in any of `stores`."""
    value = required_str(body, "token")
    found = next((store[value] for store in stores if value in store), None)
    if found is None:
        raise bad_request("Unknown token")
    found.revoked = True
    return ok({"revoked": True})


def expire_in(body: dict[str, Any], store: dict) -> Response:
    value = required_str(body, "token")
    token = store.get(value)
    if token is None:
        raise bad_request("Unknown token")
    token.expires_at = time.time() - 1
    return ok({"expired": True})


def call(app: Emulator, handler: Callable[[Emulator, Request], Response], body: dict[str, Any]) -> None:
    """Run a control handler as if `body` had been POSTed to it (seeds); raise on a refusal."""
    headers = Message()
    headers["Content-Type"] = "application/json"
    response = handler(app, Request("POST", "/seed", {}, headers, json.dumps(body).encode()))
    if response.status >= 300:
        raise RuntimeError(f"Seeding failed: {response.body.decode()}")
