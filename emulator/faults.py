"""Injected faults: latency, error statuses, 429 with Retry-After, dropped connections."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from emulator.httpcore import HttpError, Response
from emulator.store import Fault, State

KINDS = ("latency", "status", "rate_limit", "drop")


def parse_fault(body: dict[str, Any]) -> Fault:
    path = body.get("path")
    kind = body.get("kind")
    if not isinstance(path, str) or not path:
        raise _bad("path (a regular expression) is required")
    try:
        re.compile(path)
    except re.error as exc:
        raise _bad(f"path is not a valid regular expression: {exc}") from None
    if kind not in KINDS:
        raise _bad(f"kind must be one of {', '.join(KINDS)}")
    times = body.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise _bad("times must be a positive integer")
    method = body.get("method")
    status = int(body.get("status") or (429 if kind == "rate_limit" else 503))
    return Fault(
        path=path,
        kind=kind,
        method=method.upper() if isinstance(method, str) else None,
        status=status,
        retry_after=int(body.get("retry_after", 1)),
        delay_ms=int(body.get("delay_ms", 0)),
        times=times,
    )


def take_fault(state: State, method: str, path: str) -> Fault | None:
    """Find the first fault matching this request and count it (faults with ``times`` run out)."""
    with state.lock:
        for fault in list(state.faults):
            if fault.method and fault.method != method:
                continue
            if not re.search(fault.path, path):
                continue
            fault.hits += 1
            if fault.times is not None and fault.hits >= fault.times:
                state.faults.remove(fault)
            return fault
    return None


def fault_response(fault: Fault, error_response: Callable[[int, str], Response]) -> Response:
    """The injected answer, in the error shape of the flavour the request went to."""
    if fault.kind == "rate_limit":
        response = error_response(429, "Rate limit for this resource has been exceeded")
        return response.with_header("Retry-After", str(fault.retry_after))
    return error_response(fault.status, "Injected fault: the service is unavailable")


def fault_summary(fault: Fault) -> dict[str, Any]:
    return {
        "path": fault.path, "kind": fault.kind, "method": fault.method, "status": fault.status,
        "retry_after": fault.retry_after, "delay_ms": fault.delay_ms, "times": fault.times,
        "hits": fault.hits,
    }


def _bad(message: str) -> HttpError:
    return HttpError(Response.json(400, {"error": message}))
