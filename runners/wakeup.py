"""Wake whoever waits on the runner channel with a notification instead of polling the database.

Three things wait: an agent's long poll (for a job of its runner), `run_job` (for the answer to its
job) and the credential cache (for a runner that changed). Writers `publish()` inside their
transaction; on PostgreSQL that is `pg_notify`, delivered to every process at commit, so a job
created in one process wakes the agent waiting in another. Each process has ONE listening
connection (a daemon thread) fanning notifications out to its waiters, never one per agent.

Polling is only a safety net: every RUNNER_CHANNEL_SWEEP_SECONDS a companion thread asks, in one query,
which of the waited-for runners have pending jobs and which awaited jobs are finished, and wakes
them; a notification lost (listener reconnecting, a NOTIFY dropped) costs that long, no more. The
same companion flushes batched last-seen writes (runners.pulse). Neither runs on the listening
thread: a notification arriving during a sweep or a 500-row flush would wait for it (round trips'
p99 went from tens to hundreds of milliseconds on a loaded machine). The threads run while anyone
waits (plus a linger) and hold no connection otherwise.

Without PostgreSQL (`make demo` on SQLite) notifications are in-process (on commit): correct for
one process only, which is how the demo runs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "runner_channel"
JOB, ANSWER, RUNNER = "job", "answer", "runner"
_TICK = 0.5
_CONNECT_KEYS = {"dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey",
                 "options", "passfile", "service", "connect_timeout", "application_name"}


def uses_postgres() -> bool:
    return connection.vendor == "postgresql" and not settings.RUNNER_CHANNEL_IN_PROCESS


class Waiter:
    """One waiting party. `wake()` may be called from any thread; wait sync or async, not both."""

    __slots__ = ("key", "_event", "_loop", "_future")

    def __init__(self, key: tuple[str, int], loop: asyncio.AbstractEventLoop | None = None):
        self.key = key
        self._loop = loop
        self._event = None if loop else threading.Event()
        self._future: asyncio.Future | None = loop.create_future() if loop else None

    def wake(self) -> None:
        if self._loop is None:
            self._event.set()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._resolve)

    def _resolve(self) -> None:
        if not self._future.done():
            self._future.set_result(True)

    def rearm(self) -> None:
        if self._loop is None:
            self._event.clear()
        elif self._future.done():
            self._future = self._loop.create_future()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(max(0.0, timeout))

    @property
    def future(self) -> asyncio.Future:
        return self._future


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[tuple[str, int], set[Waiter]] = {}
        # Runners with a job announced while none of their agents waited here: the next poll claims at once.
        self._hints: dict[int, float] = {}
        self._listeners: list[Callable[[str, int], None]] = []
        self._thread: threading.Thread | None = None
        self._idle_since: float | None = None
        self._stop = threading.Event()
        self._listener_done = threading.Event()
        self._sweep_now = threading.Event()  # wakes the companion early: the listener (re)started
        self.listening = False  # True while notifications from every process reach this one

    # Waiters ---------------------------------------------------------------------------------

    def add(self, kind: str, ident: int, *, loop: asyncio.AbstractEventLoop | None = None) -> Waiter:
        waiter = Waiter((kind, int(ident)), loop)
        with self._lock:
            self._waiters.setdefault(waiter.key, set()).add(waiter)
            self._idle_since = None
            self._ensure_thread()
        return waiter

    def remove(self, waiter: Waiter) -> None:
        with self._lock:
            group = self._waiters.get(waiter.key)
            if group is not None:
                group.discard(waiter)
                if not group:
                    del self._waiters[waiter.key]
            if not self._waiters:
                self._idle_since = time.monotonic()

    def waiting(self, kind: str) -> list[int]:
        with self._lock:
            return [ident for (k, ident) in self._waiters if k == kind]

    def take_hint(self, runner_id: int) -> bool:
        with self._lock:
            expiry = self._hints.pop(int(runner_id), None)
        return expiry is not None and expiry > time.monotonic()

    def on_notification(self, listener: Callable[[str, int], None]) -> None:
        """`listener(kind, ident)` for every notification, and ("listening", 0 or 1) when listening starts/stops."""
        self._listeners.append(listener)

    # Delivery --------------------------------------------------------------------------------

    def dispatch(self, kind: str, ident: int) -> None:
        with self._lock:
            group = list(self._waiters.get((kind, ident), ()))
            if kind == JOB and not group:
                self._hints[ident] = time.monotonic() + settings.RUNNER_JOB_TIMEOUT_SECONDS
                if len(self._hints) > 10_000:  # bounded: drop the stale ones
                    now = time.monotonic()
                    self._hints = {k: v for k, v in self._hints.items() if v > now}
        # A job wakes every waiter of its runner: normally one agent; two agents sharing a credential race
        # for the claim, which only one wins (the other waits on).
        for waiter in group:
            waiter.wake()
        self._tell_listeners(kind, ident)

    def _tell_listeners(self, kind: str, ident: int) -> None:
        for listener in self._listeners:
            try:
                listener(kind, ident)
            except Exception:  # one broken listener must not silence the channel for everyone else
                logger.exception("Runner channel listener %r failed", listener)

    def _dispatch_text(self, payload: str) -> None:
        kind, _, ident = payload.partition(":")
        try:
            self.dispatch(kind, int(ident))
        except ValueError:
            logger.warning("Ignored a malformed %s notification", CHANNEL)

    # The listening thread --------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="runner-channel", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close its connections (tests, process shutdown)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _should_exit(self) -> bool:
        if self._stop.is_set():
            return True
        with self._lock:
            if self._waiters or self._idle_since is None:
                return False
            if time.monotonic() - self._idle_since < settings.RUNNER_CHANNEL_LINGER_SECONDS:
                return False
            self._thread = None  # the next add() starts a new one
            return True

    def _set_listening(self, value: bool) -> None:
        if self.listening != value:
            self.listening = value
            self._tell_listeners("listening", int(value))

    def _run(self) -> None:
        companion = None
        try:
            if uses_postgres():
                self._listener_done.clear()
                companion = threading.Thread(target=self._housekeeping_loop, name="runner-channel-sweep",
                                             daemon=True)
                companion.start()
                self._listen_postgres()
            else:
                self._set_listening(True)
                while not self._should_exit():
                    self._stop.wait(_TICK)
                    self._housekeeping()
        except Exception:  # the thread must not die silently: waiters then rely on their timeouts
            logger.exception("The runner channel listener stopped")
        finally:
            self._set_listening(False)
            if companion is not None:
                self._listener_done.set()
                self._sweep_now.set()
                companion.join(timeout=30)
            self._final_flush()
            connections.close_all()  # this thread's own

    def _final_flush(self) -> None:
        try:
            from runners import pulse

            pulse.flush()  # an agent's last pulses, before this process stops listening
        except Exception as exc:
            logger.warning("Runner last-seen flush failed: %s", type(exc).__name__)

    def _housekeeping_loop(self) -> None:
        """The PostgreSQL listener's companion: sweeps and flushes, so the listener only ever dispatches."""
        try:
            while not self._listener_done.is_set():
                self._sweep_now.wait(_TICK)
                self._sweep_now.clear()
                if not self._listener_done.is_set():
                    self._housekeeping()
        except Exception:
            logger.exception("The runner channel sweep stopped")
        finally:
            connections.close_all()  # this thread's own

    def _listen_postgres(self) -> None:
        import psycopg

        backoff = 0.5
        while not self._should_exit():
            params = {k: v for k, v in connection.get_connection_params().items() if k in _CONNECT_KEYS}
            try:
                with psycopg.connect(**params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._set_listening(True)
                    backoff = 0.5
                    # Whatever was announced while nobody listened (e.g. the answer to the job whose wait
                    # started this thread): the companion sweeps at once.
                    self._next_sweep = 0.0
                    self._sweep_now.set()
                    while not self._should_exit():
                        for notify in conn.notifies(timeout=_TICK):
                            self._dispatch_text(notify.payload)
            except psycopg.Error as exc:
                self._set_listening(False)
                logger.warning("Runner channel listener lost its connection (%s); reconnecting", type(exc).__name__)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    _next_sweep = 0.0

    def _housekeeping(self) -> None:
        from runners import pulse

        if time.monotonic() >= self._next_sweep:
            self._sweep()
        try:
            pulse.flush_if_due()
        except Exception as exc:
            logger.warning("Runner last-seen flush failed: %s", type(exc).__name__)
            connections.close_all()

    def _sweep(self) -> None:
        """The safety net: one look for what a lost notification would have announced."""
        from runners.models import RunnerJob

        self._next_sweep = time.monotonic() + settings.RUNNER_CHANNEL_SWEEP_SECONDS
        runner_ids, job_ids = self.waiting(JOB), self.waiting(ANSWER)
        try:
            if runner_ids:
                for runner_id in set(RunnerJob.objects.filter(
                        runner_id__in=runner_ids, state=RunnerJob.State.PENDING,
                        expires_at__gt=_now()).values_list("runner_id", flat=True)):
                    self.dispatch(JOB, runner_id)
            if job_ids:
                open_jobs = set(RunnerJob.objects.filter(pk__in=job_ids, state__in=[
                    RunnerJob.State.PENDING, RunnerJob.State.CLAIMED]).values_list("pk", flat=True))
                for job_id in set(job_ids) - open_jobs:  # finished, expired or gone: the waiter looks
                    self.dispatch(ANSWER, job_id)
        except Exception as exc:
            logger.warning("Runner channel sweep failed: %s", type(exc).__name__)
            connections.close_all()


def _now():
    from django.utils import timezone

    return timezone.now()


hub = Hub()


def publish(kind: str, ident: int) -> None:
    """Announce `kind:ident` to every process once the current transaction commits."""
    if uses_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"{kind}:{int(ident)}"])
    else:
        transaction.on_commit(lambda: hub.dispatch(kind, int(ident)))
