"""The emulator process: one ThreadingHTTPServer, a route table per flavour (emulator/flavours.py) and
the control API's."""

from __future__ import annotations

import contextlib
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulator import faults, requestlog
from emulator.clock import now
from emulator.config import Settings
from emulator.flavour import Flavour
from emulator.flavours import FLAVOURS
from emulator.httpcore import HttpError, Request, Response, Router
from emulator.store import State

CONTROL_PREFIX = "/_emulator"


class Emulator:
    def __init__(self, settings: Settings, flavours: tuple[Flavour, ...] = FLAVOURS) -> None:
        # Kept so /_emulator/reset can go back to the command line's settings.
        self.initial_settings = settings.copy()
        self.flavours = flavours
        self.state = State(settings=settings, flavours=self._fresh_states())
        self.routers: dict[str, Router] = {}
        for flavour in self.flavours:
            self.routers[flavour.name] = Router()
            flavour.register_routes(self.routers[flavour.name])
        self.control = Router()
        self.seed_name: str | None = None
        self.started = now()
        # Imported here: the control module imports this module's types.
        from emulator import control

        control.register(self.control, self.flavours)

    @property
    def settings(self) -> Settings:
        return self.state.settings

    def _fresh_states(self) -> dict[str, Any]:
        return {flavour.name: flavour.new_state() for flavour in self.flavours}

    def reset(self) -> None:
        self.state.reset(self.initial_settings.copy(), self._fresh_states())
        if self.seed_name:
            from emulator import seed

            seed.apply(self, self.seed_name)

    def flavour_for(self, path: str) -> tuple[Flavour, str] | None:
        """The flavour whose mount `path` is under (the longest mount wins; "" is the root)."""
        found: tuple[Flavour, str] | None = None
        for flavour in self.flavours:
            mount = flavour.mount(self.settings.flavours[flavour.name])
            if mount and path != mount and not path.startswith(mount + "/"):
                continue
            if found is None or len(mount) > len(found[1]):
                found = (flavour, mount)
        return found

    def dispatch(self, request: Request) -> Response | None:
        """Answer one request; ``None`` means drop the connection without answering."""
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            request.mount = CONTROL_PREFIX
            return self._route(self.control, request, request.path[len(CONTROL_PREFIX):] or "/", None)

        with self.state.lock:
            self.state.in_flight += 1
            self.state.peak_in_flight = max(self.state.peak_in_flight, self.state.in_flight)
            in_flight = self.state.in_flight
        try:
            requestlog.record(self.state, request, in_flight=in_flight)
            return self._answer(request)
        finally:
            with self.state.lock:
                self.state.in_flight -= 1

    def _answer(self, request: Request) -> Response | None:
        found = self.flavour_for(request.path)
        if found is None:
            return Response.json(404, {"error": f"No emulated product at {request.path}"})
        flavour, mount = found
        fault = faults.take_fault(self.state, request.method, request.path)
        if fault is not None:
            if fault.kind == "drop":
                return None
            if fault.kind == "latency":
                time.sleep(fault.delay_ms / 1000)
            else:
                return faults.fault_response(fault, flavour.error_response)
        request.mount = mount
        return self._route(self.routers[flavour.name], request, request.path[len(mount):] or "/", flavour)

    def _route(self, router: Router, request: Request, path: str, flavour: Flavour | None) -> Response:
        try:
            matched = router.match(request.method, path)
            if matched is None:
                message = f"Resource not found: {path}"
                if flavour is not None:
                    return flavour.error_response(404, message)
                return Response.json(404, {"type": "error", "error": {"message": message}})
            route, params = matched
            if route.locked:
                with self.state.lock:
                    return route.handler(self, request, **params)
            return route.handler(self, request, **params)
        except HttpError as exc:
            return exc.response
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return Response.json(500, {"type": "error", "error": {"message": "Emulator internal error"}})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BitbucketEmulator/1.0"
    emulator: Emulator  # set on the subclass by make_server

    def setup(self) -> None:
        super().setup()
        # Small request/response pairs on keep-alive connections otherwise wait on delayed ACKs (~40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _handle(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command.upper(),
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
        )
        response = self.emulator.dispatch(request)
        if response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        # Headers and body in one write.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(response.body)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle  # noqa: N815


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(host: str, port: int, settings_factory) -> tuple[EmulatorHTTPServer, Emulator]:
    """Bind first (so ``--port 0`` resolves), then build settings from the real address."""
    handler = type("EmulatorHandler", (_Handler,), {})
    httpd = EmulatorHTTPServer((host, port), handler)
    bound_host, bound_port = httpd.server_address[:2]
    emulator = Emulator(settings_factory(bound_host, bound_port))
    handler.emulator = emulator
    return httpd, emulator
