"""`run`: heartbeat, long-poll the portal for jobs, execute them, answer; reconnect with backoff."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time

from runners.agent import jobs
from runners.agent.client import CredentialRejected, PortalClient, PortalError, PortalUnreachable
from runners.agent.state import AgentState

logger = logging.getLogger("runners.agent")

HEARTBEAT_INTERVAL = 30.0
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0


class Shutdown(Exception):
    """Raised from the signal handler to cut a long poll short."""


class Worker:
    def __init__(self, state: AgentState, *, wait: float = 20.0, client: PortalClient | None = None):
        self.state = state
        self.wait = wait
        self.client = client or PortalClient(state.portal, state.credential)
        self.stopping = False
        self.busy = False
        self._last_heartbeat = 0.0
        self._background: list[threading.Thread] = []
        # One prebuild at a time: a second one waits (claimed, still queued in the portal) for the first.
        self._prebuild_slot = threading.Semaphore(1)

    def _on_signal(self, signum, frame) -> None:
        self.stopping = True
        self.state.stopping.set()  # running prebuilds stop their command and report "cancelled"
        logger.info("Received %s, shutting down", signal.Signals(signum).name)
        # Between jobs nothing is lost by leaving at once; during a job, finish and answer it first.
        if not self.busy:
            raise Shutdown

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def heartbeat_if_due(self) -> None:
        if time.monotonic() - self._last_heartbeat >= HEARTBEAT_INTERVAL:
            self.client.heartbeat()
            self._last_heartbeat = time.monotonic()

    def step(self, wait: float) -> bool:
        """One heartbeat-if-due plus one long poll; True when a job was handled."""
        self.heartbeat_if_due()
        job = self.client.next_job(wait)
        if job is None:
            return False
        if job.get("kind") in jobs.BACKGROUND_KINDS:
            self._background = [t for t in self._background if t.is_alive()]
            thread = threading.Thread(target=self._run_background, args=(job,), daemon=True,
                                      name=f"job-{job.get('id')}")
            self._background.append(thread)
            thread.start()
            return True
        self.busy = True
        try:
            self._execute(job, self.client)
        finally:
            self.busy = False
        return True

    def _execute(self, job: dict, client: PortalClient) -> None:
        logger.info("Job %s: %s", job.get("id"), job.get("kind"))
        try:
            if self.state.reload_keys_if_rotated():
                logger.info("Loaded the keys a rotation wrote to %s", self.state.directory)
        except (OSError, ValueError) as exc:  # a half-written rotation: keep the keys in memory
            logger.warning("Cannot load the rotated keys (%s); keeping the current ones", exc)
        ok, result, error = jobs.execute(self.state, job)
        if not ok:
            logger.warning("Job %s failed: %s", job.get("id"), error)
        try:
            client.post_result(int(job["id"]), ok=ok, result=result, error=error)
        except PortalError as exc:  # e.g. 409: the portal stopped waiting; nothing more to do
            logger.warning("The portal refused the answer to job %s: %s", job.get("id"), exc.message)
        except PortalUnreachable as exc:
            logger.warning("Could not answer job %s: %s", job.get("id"), exc)

    def _run_background(self, job: dict) -> None:
        with self._prebuild_slot, PortalClient(self.state.portal, self.state.credential) as client:
            if self.state.stopping.is_set():
                return  # claimed but never started: the portal's sweep gives it up
            self._execute(job, client)

    def _stop_background(self, *, cancel: bool, timeout: float = 15.0) -> None:
        """On a signal, running prebuilds stop and report; after --once, they are waited for."""
        if cancel:
            self.state.stopping.set()
        deadline = time.monotonic() + timeout if cancel else None
        for thread in self._background:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def run(self, *, once: bool = False) -> int:
        """Exit codes: 0 clean stop, 2 credential rejected (register again), 3 portal unreachable with --once."""
        backoff = BACKOFF_FIRST
        logger.info("Runner %s (#%s) serving %s", self.state.runner_name, self.state.runner_id, self.state.portal)
        try:
            while not self.stopping:
                try:
                    self.step(0 if once else self.wait)
                    backoff = BACKOFF_FIRST
                    if once:
                        return 0
                except CredentialRejected as exc:
                    logger.error("The portal rejected this runner's credential: %s", exc.message)
                    return 2
                except PortalUnreachable as exc:
                    if once:
                        logger.error("%s", exc)
                        return 3
                    delay = backoff * (0.5 + random.random() / 2)
                    logger.warning("%s; retrying in %.1fs", exc, delay)
                    self._last_heartbeat = 0.0  # say hello again once the portal is back
                    self._sleep(delay)
                    backoff = min(backoff * 2, BACKOFF_MAX)
                except PortalError as exc:
                    logger.warning("The portal refused a request: %s", exc)
                    self._sleep(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX)
        except (Shutdown, KeyboardInterrupt):
            pass
        finally:
            self._stop_background(cancel=self.stopping)
            self.client.close()
        logger.info("Stopped")
        return 0
