"""Outgoing webhook deliveries: sign, POST, retry, record every attempt.

The HMAC is computed here on purpose, not imported from the portal: the tests check that the
portal's verifier accepts what this code signs.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from emulator.clock import iso, now
from emulator.store import State

DELIVERY_TIMEOUT_SECONDS = 10.0


@dataclass
class Target:
    hook_id: str
    url: str
    secret: str | None


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    state: State,
    *,
    event_key: str,
    body: bytes,
    targets: list[Target],
    headers_for: Callable[[Target, str, int], dict[str, str]],
    max_attempts: int,
) -> list[dict[str, Any]]:
    """POST ``body`` to every target; retry a 5xx or a failed connection up to ``max_attempts``.

    Runs outside the state lock: a receiver may call back into the emulator while handling it.
    """
    results = []
    with httpx.Client(timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False) as client:
        for target in targets:
            delivery_id = str(uuid.uuid4())
            attempts = []
            for number in range(1, max_attempts + 1):
                headers = {"Content-Type": "application/json", **headers_for(target, delivery_id, number)}
                if target.secret:
                    headers["X-Hub-Signature"] = hub_signature(target.secret, body)
                attempts.append(_attempt(client, target.url, body, headers, number))
                status = attempts[-1]["status"]
                if status is not None and status < 500:
                    break
            results.append({
                "hook": target.hook_id,
                "url": target.url,
                "event": event_key,
                "delivery_id": delivery_id,
                "signed": bool(target.secret),
                "attempts": attempts,
                "delivered": attempts[-1]["status"] is not None and 200 <= attempts[-1]["status"] < 300,
            })
    with state.lock:
        state.deliveries.extend(results)
    return results


def _attempt(client: httpx.Client, url: str, body: bytes, headers: dict[str, str], number: int) -> dict[str, Any]:
    started = time.monotonic()
    record: dict[str, Any] = {"attempt": number, "at": iso(now()), "status": None, "error": None,
                              "headers": {k: v for k, v in headers.items() if k != "Authorization"}}
    try:
        response = client.post(url, content=body, headers=headers)
        record["status"] = response.status_code
    except httpx.HTTPError as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["duration_ms"] = int((time.monotonic() - started) * 1000)
    return record
