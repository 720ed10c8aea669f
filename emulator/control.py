"""The control API under /_emulator/: JSON in and out, no auth, never faulted or logged.

The core's routes (reset, state, faults, requests) are here; each flavour adds its own under
`/<flavour name>/` (emulator/<flavour>/control.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import faults, requestlog
from emulator.control_common import body_of, ok
from emulator.httpcore import Request, Response, Router

if TYPE_CHECKING:
    from emulator.app import Emulator


def reset(app: Emulator, request: Request) -> Response:
    app.reset()
    return ok({"reset": True, "seed": app.seed_name})


def add_fault(app: Emulator, request: Request) -> Response:
    fault = faults.parse_fault(body_of(request))
    app.state.faults.append(fault)
    return ok(faults.fault_summary(fault), 201)


def list_faults(app: Emulator, request: Request) -> Response:
    return ok([faults.fault_summary(fault) for fault in app.state.faults])


def clear_faults(app: Emulator, request: Request) -> Response:
    app.state.faults.clear()
    return Response.empty(204)


def list_requests(app: Emulator, request: Request) -> Response:
    return ok(requestlog.select(app.state, request.arg("path"), request.arg("method")))


def clear_requests(app: Emulator, request: Request) -> Response:
    with app.state.lock:
        app.state.requests.clear()
        app.state.peak_in_flight = app.state.in_flight
    return Response.empty(204)


def concurrency(app: Emulator, request: Request) -> Response:
    """Requests in flight now, and the peak since the request log was last cleared."""
    with app.state.lock:
        return ok({"in_flight": app.state.in_flight, "peak": app.state.peak_in_flight,
                   "requests": len(app.state.requests)})


def summary(app: Emulator, request: Request) -> Response:
    state = app.state
    out: dict = {"urls": {}, "settings": {},
                 "mounts": {f.name: f.mount(app.settings.flavours[f.name]) for f in app.flavours}}
    for flavour in app.flavours:
        part = flavour.summary(app)
        out["urls"].update(part["urls"])
        out["settings"].update(part["settings"])
        out[flavour.name] = part["state"]
    out.update({
        "faults": [faults.fault_summary(fault) for fault in state.faults],
        "requests": len(state.requests),
        "deliveries": state.deliveries[-50:],
    })
    return ok(out)


def register(router: Router, flavours) -> None:
    router.add("POST", "/reset", reset)
    router.add("GET", "/state", summary)
    router.add("POST", "/faults", add_fault)
    router.add("GET", "/faults", list_faults)
    router.add("DELETE", "/faults", clear_faults)
    router.add("GET", "/requests", list_requests)
    router.add("DELETE", "/requests", clear_requests)
    router.add("GET", "/concurrency", concurrency)
    for flavour in flavours:
        flavour.register_control(router)
