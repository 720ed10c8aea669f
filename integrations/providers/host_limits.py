"""How hard the portal may press one provider host: a concurrency cap, an hourly budget, 429 pauses.

Every provider request takes a slot for its host (`SCM_HOST_CONCURRENCY`, default 8) before it is
sent and gives it back when the answer is in. The slots live in Redis, so the cap holds across every
Celery worker and web process: a verify sweep, a refresh storm and a burst of webhook installs share
one customer's Bitbucket Server's 8 slots, whatever the number of workers. A slot is a lease (a worker
killed mid-request loses its slot after `LEASE_SECONDS`, never holds it forever).

A 429 with Retry-After pauses the host: until then no request to it is sent, and callers get
`RateLimited` with the remaining wait (tasks retry after it). Bitbucket Cloud allows 1,000 requests per
hour per user, so each Cloud credential also has an hourly budget (`BITBUCKET_CLOUD_HOURLY_BUDGET`).

Without Redis (the embedded demo: one worker process) the same rules hold within the process.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

# Longer than any one request may take (connect 5 s + read 20 s, see http.DEFAULT_TIMEOUT).
LEASE_SECONDS = 60
# How long a request waits for a slot before giving up as "busy" (a task retries later).
WAIT_SECONDS = 30.0
# A 429 without Retry-After still pauses the host this long.
DEFAULT_PAUSE_SECONDS = 5
HOUR = 3600


class HostBusy(Exception):
    """No slot (or no budget) now; `retry_after` seconds is a sensible wait. Never says why a credential."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HostLimiter(Protocol):
    def slot(self, host: str) -> Iterator[None]: ...  # a context manager
    def pause(self, host: str, seconds: int) -> None: ...
    def spend(self, host: str, credential: str, budget: int) -> None: ...


def credential_key(authorization: str) -> str:
    """A budget key for a credential: a digest, so Redis never holds the credential itself."""
    return hashlib.sha256(authorization.encode()).hexdigest()[:24]


# --- Redis: shared by every process --------------------------------------------------------------

# Atomic: honour a pause, drop expired leases, take a slot if one is free. Redis's clock, not ours, so
# workers on machines with skewed clocks agree. Returns 1 (taken), 0 (full) or -ms (paused for ms).
_ACQUIRE = """
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return -paused end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"""
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], '1')
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[2], 60000)
return 1
"""


class RedisHostLimiter:
    def __init__(self, client, *, cap: int, prefix: str, wait_seconds: float = WAIT_SECONDS) -> None:
        self.client = client
        self.cap = cap
        self.prefix = prefix
        self.wait_seconds = wait_seconds
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)

    def _key(self, host: str, what: str) -> str:
        return f"{self.prefix}:scm-host:{host}:{what}"

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        token = uuid.uuid4().hex
        slots, paused, wake = self._key(host, "slots"), self._key(host, "paused"), self._key(host, "wake")
        deadline = time.monotonic() + self.wait_seconds
        while True:
            got = int(self._acquire(keys=[slots, paused], args=[self.cap, LEASE_SECONDS * 1000, token]))
            if got == 1:
                break
            if got < 0:
                raise HostBusy(f"{host} asked us to slow down", retry_after=math.ceil(-got / 1000))
            left = deadline - time.monotonic()
            if left <= 0:
                raise HostBusy(f"{host} has {self.cap} requests in flight", retry_after=DEFAULT_PAUSE_SECONDS)
            # Woken by a release; the timeout only covers a lease that expired without one.
            self.client.blpop([wake], timeout=min(left, 0.25))
        try:
            yield
        finally:
            self._release(keys=[slots, wake], args=[token, self.cap])

    def pause(self, host: str, seconds: int) -> None:
        # Never shorten a longer pause another worker set.
        key = self._key(host, "paused")
        ms = max(1, seconds) * 1000
        if self.client.pttl(key) < ms:
            self.client.set(key, "1", px=ms)

    def spend(self, host: str, credential: str, budget: int) -> None:
        window = int(time.time()) // HOUR
        key = self._key(host, f"budget:{credential}:{window}")
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, HOUR + 60)
        used = pipe.execute()[0]
        if used > budget:
            raise HostBusy(f"the hourly budget of {budget} requests for this account on {host} is spent",
                           retry_after=HOUR - int(time.time()) % HOUR)

    def in_flight(self, host: str) -> int:
        return int(self.client.zcard(self._key(host, "slots")))


# --- in-process: the demo's single worker ------------------------------------------------------


class LocalHostLimiter:
    def __init__(self, *, cap: int, wait_seconds: float = WAIT_SECONDS) -> None:
        self.cap = cap
        self.wait_seconds = wait_seconds
        self._cond = threading.Condition()
        self._busy: dict[str, int] = {}
        self._paused_until: dict[str, float] = {}
        self._spent: dict[tuple[str, str, int], int] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        deadline = time.monotonic() + self.wait_seconds
        with self._cond:
            while True:
                paused = self._paused_until.get(host, 0) - time.monotonic()
                if paused > 0:
                    raise HostBusy(f"{host} asked us to slow down", retry_after=math.ceil(paused))
                if self._busy.get(host, 0) < self.cap:
                    self._busy[host] = self._busy.get(host, 0) + 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HostBusy(f"{host} has {self.cap} requests in flight", retry_after=DEFAULT_PAUSE_SECONDS)
                self._cond.wait(left)
        try:
            yield
        finally:
            with self._cond:
                self._busy[host] -= 1
                self._cond.notify()

    def pause(self, host: str, seconds: int) -> None:
        with self._cond:
            until = time.monotonic() + max(1, seconds)
            self._paused_until[host] = max(self._paused_until.get(host, 0), until)

    def spend(self, host: str, credential: str, budget: int) -> None:
        window = int(time.time()) // HOUR
        with self._cond:
            key = (host, credential, window)
            self._spent[key] = self._spent.get(key, 0) + 1
            if self._spent[key] > budget:
                raise HostBusy(f"the hourly budget of {budget} requests for this account on {host} is spent",
                               retry_after=HOUR - int(time.time()) % HOUR)

    def in_flight(self, host: str) -> int:
        with self._cond:
            return self._busy.get(host, 0)


# --- the configured limiter ------------------------------------------------------------------

_clients: dict[str, object] = {}
_limiters: dict[tuple, HostLimiter] = {}
# Tests give each test its own namespace, so one test's 429 pause never reaches the next.
namespace = ""


def _redis(url: str):
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    return client


def default_limiter() -> HostLimiter | None:
    """The limiter the operator configured, or None outside Django (the emulator's own tests)."""
    from django.conf import settings

    if not settings.configured:
        return None
    cap = int(getattr(settings, "SCM_HOST_CONCURRENCY", 8))
    url = getattr(settings, "SCM_HOST_LIMITS_REDIS_URL", "")
    prefix = getattr(settings, "SCM_HOST_LIMITS_KEY_PREFIX", "portal") + namespace
    key = (url, cap, prefix)
    limiter = _limiters.get(key)
    if limiter is None:
        limiter = RedisHostLimiter(_redis(url), cap=cap, prefix=prefix) if url else LocalHostLimiter(cap=cap)
        _limiters[key] = limiter
    return limiter


def hourly_budget(provider: str) -> int | None:
    """Requests per hour one credential may spend on `provider`, when the provider enforces one."""
    from django.conf import settings

    if provider == "bitbucket-cloud" and settings.configured:
        return int(getattr(settings, "BITBUCKET_CLOUD_HOURLY_BUDGET", 900)) or None
    return None
