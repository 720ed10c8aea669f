"""Seeding a forge flavour through its own control routes, as a test or the demo would."""

from __future__ import annotations

import json
from email.message import Message
from typing import Any

from emulator.httpcore import Request


def seed_forge(app, name: str, *, users: list[dict], repositories: list[dict], tokens: list[dict]) -> None:
    def post(path: str, body: dict[str, Any]) -> None:
        headers = Message()
        headers["Content-Type"] = "application/json"
        found = app.control.match("POST", f"/{name}/{path}")
        if found is None:
            raise RuntimeError(f"No control route /{name}/{path}")
        route, params = found
        response = route.handler(app, Request("POST", "/seed", {}, headers, json.dumps(body).encode()), **params)
        if response.status >= 300:
            raise RuntimeError(f"Seeding failed: {response.body.decode()}")

    for user in users:
        post("users", user)
    for repository in repositories:
        post("repositories", repository)
    for token in tokens:
        post("tokens", token)
