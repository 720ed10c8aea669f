"""A small asyncio HTTP/1.1 load generator for loopback benchmarks: keep-alive connections, a closed
loop (as fast as answers come) and an open loop (a fixed rate, latency counted from when each request
was due, so a slow server cannot hide its queueing: no coordinated omission)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable

REQUEST_TIMEOUT = 10.0
# The WSGI command production ran before gunicorn.conf.py (gthread), for the benchmarks' comparison runs.
# gunicorn reads ./gunicorn.conf.py even when it is not named, and that file's settings (uvicorn's
# connection pool) are not the old command's: an empty config file keeps them out.
GTHREAD_COMMAND = ["portal.wsgi", "-c", os.devnull, "-k", "gthread"]


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, data: bytes) -> int:
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.writer.write(data)
                await self.writer.drain()
                return await asyncio.wait_for(self._response(), REQUEST_TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> int:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise asyncio.IncompleteReadError(b"", None)
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def closed_loop(port: int, make: Callable[[], bytes], seconds: float, connections: int) -> dict:
    """CONNECTIONS clients, each sending as soon as its previous answer arrived."""
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds

    async def client() -> None:
        connection = Connection(port)
        while time.monotonic() < deadline:
            try:
                status = await connection.send(make())
            except Exception:  # noqa: BLE001 - counted as an error, the run goes on
                status = 0
            statuses[status] = statuses.get(status, 0) + 1
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    return {"requests": total, "per_s": round(total / elapsed, 1), "statuses": statuses}


async def open_loop(port: int, make: Callable[[], tuple[bytes, str]], rate: float, seconds: float,
                    connections: int, events: dict[float, Callable[[], None]] | None = None) -> dict:
    """Requests due at a fixed rate, whatever the answers; latency counted from when each was due."""
    pending = sorted((events or {}).items())
    queue: asyncio.Queue = asyncio.Queue()
    results: list[tuple[float, int, str]] = []
    start = time.monotonic()
    total = int(rate * seconds)

    async def sender() -> None:
        connection = Connection(port)
        while True:
            item = await queue.get()
            if item is None:
                break
            due, data, delivery_id = item
            try:
                status = await connection.send(data)
            except Exception:  # noqa: BLE001
                status = 0
            results.append((time.monotonic() - due, status, delivery_id))
        await connection.close()

    senders = [asyncio.create_task(sender()) for _ in range(connections * 2)]
    loop = asyncio.get_running_loop()
    actions = []  # run beside the load (stopping Redis takes a moment), never in its way
    for n in range(total):
        due = start + n / rate
        while pending and due - start >= pending[0][0]:
            actions.append(loop.run_in_executor(None, pending.pop(0)[1]))
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        data, delivery_id = make()
        queue.put_nowait((due, data, delivery_id))
    actions += [loop.run_in_executor(None, action) for _, action in pending]
    for _ in senders:
        queue.put_nowait(None)
    await asyncio.gather(*senders, *actions)
    return {"results": results, "elapsed": time.monotonic() - start}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
