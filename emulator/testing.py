"""Start the emulator as a subprocess for tests and the demo, and drive its control API.

    with start_emulator(seed="demo") as emu:
        emu.control("POST", "/cloud/users", json={"username": "alice"})
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

READY_PREFIX = "EMULATOR READY "
DEFAULT_START_TIMEOUT = 15.0
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class EmulatorError(RuntimeError):
    pass


@dataclass
class RunningEmulator:
    base_url: str
    server_context_path: str
    process: subprocess.Popen[str] | None = None
    _client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._client = httpx.Client(base_url=self.base_url + "/_emulator", timeout=30.0)

    @property
    def cloud_web_url(self) -> str:
        return self.base_url

    @property
    def cloud_api_url(self) -> str:
        return self.base_url

    @property
    def server_url(self) -> str:
        return f"{self.base_url}/bbs{self.server_context_path}"

    def control(self, method: str, path: str, json: Any = None, params: dict[str, str] | None = None) -> Any:
        """Call ``/_emulator{path}``; raise EmulatorError on a non-2xx answer."""
        response = self._client.request(method, "/" + path.lstrip("/"), json=json, params=params)
        if not response.is_success:
            raise EmulatorError(f"{method} /_emulator{path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def reset(self) -> None:
        self.control("POST", "/reset")

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("path", path), ("method", method)) if v}
        return self.control("GET", "/requests", params=params)

    def stop(self) -> None:
        self._client.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_emulator(*, host: str = "127.0.0.1", port: int = 0, server_context_path: str = "/bitbucket",
                   server_version: str | None = None, access_token_ttl: int | None = None,
                   seed: str | None = None, public_url: str | None = None,
                   timeout: float = DEFAULT_START_TIMEOUT) -> RunningEmulator:
    """Run ``python -m emulator`` and wait (bounded) for its READY line."""
    command = [sys.executable, "-m", "emulator", "--host", host, "--port", str(port),
               "--server-context-path", server_context_path]
    for flag, value in (("--server-version", server_version), ("--access-token-ttl", access_token_ttl),
                        ("--seed", seed), ("--public-url", public_url)):
        if value is not None:
            command += [flag, str(value)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The command is ours (this interpreter, this package); only option values come from the caller.
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = ""
    if not line.startswith(READY_PREFIX):
        process.kill()
        _, stderr = process.communicate(timeout=5)
        raise EmulatorError(f"The emulator did not start within {timeout}s (stdout {line!r}): {stderr}")
    # Drain stderr so a chatty emulator can never block on a full pipe.
    threading.Thread(target=_pump, args=(process.stderr, queue.Queue()), daemon=True).start()
    context = server_context_path.strip("/")
    return RunningEmulator(base_url=line[len(READY_PREFIX):].strip(),
                           server_context_path=f"/{context}" if context else "", process=process)


def _pump(stream, sink: queue.Queue[str]) -> None:
    for line in stream:
        sink.put(line)
    sink.put("")
