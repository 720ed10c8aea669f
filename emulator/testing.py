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
    process: subprocess.Popen[str] | None = None
    _client: httpx.Client = field(init=False, repr=False)
    # Flavour name -> the path its API is mounted under (from /_emulator/state; fixed for the process).
    mounts: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._client = httpx.Client(base_url=self.base_url + "/_emulator", timeout=30.0)
        self.mounts = dict(self.control("GET", "/state")["mounts"])

    def url_of(self, flavour: str) -> str:
        """Where `flavour`'s API answers on this process (the bound address, not --public-url)."""
        return self.base_url + self.mounts[flavour]

    @property
    def cloud_web_url(self) -> str:
        return self.url_of("cloud")

    @property
    def cloud_api_url(self) -> str:
        return self.url_of("cloud")

    @property
    def server_url(self) -> str:
        return self.url_of("server")

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


def start_emulator(*, host: str = "127.0.0.1", port: int = 0, seed: str | None = None,
                   public_url: str | None = None, timeout: float = DEFAULT_START_TIMEOUT,
                   **options: object) -> RunningEmulator:
    """Run ``python -m emulator`` and wait (bounded) for its READY line.

    `options` are the flavours' command-line options by name: ``server_context_path=""`` is
    ``--server-context-path ""``."""
    command = [sys.executable, "-m", "emulator", "--host", host, "--port", str(port)]
    for name, value in (("seed", seed), ("public_url", public_url), *options.items()):
        if value is not None:
            command += ["--" + name.replace("_", "-"), str(value)]
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
    return RunningEmulator(base_url=line[len(READY_PREFIX):].strip(), process=process)


def _pump(stream, sink: queue.Queue[str]) -> None:
    for line in stream:
        sink.put(line)
    sink.put("")
