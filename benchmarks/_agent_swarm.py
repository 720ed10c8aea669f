"""Simulated runner agents for the agent_channel benchmark: one asyncio process, one keep-alive HTTP/1.1
connection per agent, each doing what `python -m runners.agent run` does on the wire (long poll, answer
ping jobs, heartbeat every 30 s).

    python -m benchmarks._agent_swarm PORT CREDENTIALS_FILE WAIT_SECONDS

Prints a JSON line {"started": N} once every agent sent its first poll, then {"polls", "jobs", "errors"}
every 5 s. Stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
import time

HEARTBEAT_SECONDS = 30.0


class Agent:
    def __init__(self, port: int, credential: str, wait: float, stats: dict) -> None:
        self.port, self.wait, self.stats = port, wait, stats
        self.auth = f"Authorization: Runner {credential}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_heartbeat = time.monotonic() - random.random() * HEARTBEAT_SECONDS

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.auth}User-Agent: scm-runner-agent/bench\r\n"
                f"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value:
                chunked = True
        if chunked:
            data = b""
            while (size := int((await self.reader.readline()).strip() or b"0", 16)):
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
            return status, data
        return status, (await self.reader.readexactly(length) if length else b"")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def run(self, started: asyncio.Event | None) -> None:
        first = True
        while True:
            try:
                if time.monotonic() - self.last_heartbeat >= HEARTBEAT_SECONDS:
                    await self.request("POST", "/api/runner/v1/heartbeat", b'{"agent_version":"bench"}')
                    self.last_heartbeat = time.monotonic()
                poll = asyncio.ensure_future(self.request("GET", f"/api/runner/v1/jobs/next?wait={self.wait:g}"))
                if first:
                    self.stats["started"] += 1
                    first = False
                status, body = await poll
                self.stats["polls"] += 1
                if status == 200:
                    job = json.loads(body)
                    answer = {"ok": True, "result": {"pong": True, "agent_version": "bench", "time": time.time()}}
                    await self.request("POST", f"/api/runner/v1/jobs/{job['id']}/result", json.dumps(answer).encode())
                    self.stats["jobs"] += 1
                elif status != 204:
                    self.stats["errors"] += 1
                    await asyncio.sleep(1)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                self.stats["errors"] += 1
                await self.close()
                await asyncio.sleep(1 + random.random())


async def main(port: int, credentials: list[str], wait: float) -> None:
    stats = {"started": 0, "polls": 0, "jobs": 0, "errors": 0}
    agents = [Agent(port, credential, wait, stats) for credential in credentials]
    tasks = []
    for index, agent in enumerate(agents):
        tasks.append(asyncio.ensure_future(agent.run(None)))
        if index % 50 == 49:
            await asyncio.sleep(0.1)  # connect in waves, as agents of a real fleet do not start together
    while stats["started"] < len(agents):
        await asyncio.sleep(0.1)
    print(json.dumps({"started": len(agents)}), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 5)
        except TimeoutError:
            print(json.dumps({k: v for k, v in stats.items() if k != "started"}), flush=True)
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    with open(sys.argv[2]) as fh:
        creds = [line.strip() for line in fh if line.strip()]
    asyncio.run(main(int(sys.argv[1]), creds, float(sys.argv[3])))
