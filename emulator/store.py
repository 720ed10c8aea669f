"""All in-memory state, behind one lock: each flavour's own state under its name, and what the core
keeps (OAuth requests and codes, faults, the request log, deliveries). ``reset()`` empties it."""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.config import Settings


@dataclass
class PendingAuthorization:
    """An authorize request waiting for the user to press Grant or Cancel on the consent page."""

    flavour: str  # the flavour's name: a code is redeemed only by the flavour that issued it
    client_id: str
    redirect_uri: str
    state: str | None
    scopes: list[str]
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    redirect_uri_given: bool = False


@dataclass
class AuthorizationCode:
    flavour: str
    client_id: str
    username: str
    scopes: list[str]
    redirect_uri: str | None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    expires_at: float = 0.0


@dataclass
class Fault:
    path: str
    kind: str  # latency | status | rate_limit | drop
    method: str | None = None
    status: int = 503
    retry_after: int = 1
    delay_ms: int = 0
    times: int | None = None  # None = every matching request
    hits: int = 0


@dataclass
class State:
    settings: Settings
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Flavour name -> that flavour's state dataclass (emulator/<flavour>/state.py).
    flavours: dict[str, Any] = field(default_factory=dict)
    # OAuth consent requests and codes of every flavour, tagged with the flavour's name.
    pending: dict[str, PendingAuthorization] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    # Product requests being answered right now, and the most at once since the log was cleared: how a
    # test or benchmark sees whether a client kept to its concurrency cap.
    in_flight: int = 0
    peak_in_flight: int = 0
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        return next(self.ids)

    def reset(self, settings: Settings, flavours: dict[str, Any]) -> None:
        with self.lock:
            fresh = State(settings=settings, flavours=flavours)
            for name in self.__dataclass_fields__:
                if name not in ("lock", "in_flight"):  # requests still being answered end normally
                    setattr(self, name, getattr(fresh, name))


def new_secret(prefix: str = "", length: int = 32) -> str:
    return prefix + secrets.token_urlsafe(length)
