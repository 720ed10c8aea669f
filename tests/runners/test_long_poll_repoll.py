"""The async long poll's re-poll stays on the event loop: an agent polling again from an address the portal
already knows needs no database thread, and a poll from a new address is still recorded.

A fleet's 204s come back in waves; each re-poll that queued for the database threads delayed the one
poll in the wave that had a job to claim. The handler is driven here as the ASGI server drives it.
"""

from __future__ import annotations

import asyncio

import pytest

from portal.models import AuditEvent
from runners import wakeup
from runners.agent_api import longpoll
from tests.runners.channel_servers import wait_until
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db(transaction=True)


def _poll(credential: str, address: str, wait: str) -> tuple[int, list[str]]:
    """One GET jobs/next from `address`: (status, names of what ran on the database threads)."""
    ran: list[str] = []
    real_db = longpoll._db

    async def counting_db(func, *args):
        ran.append(func.__name__)
        return await real_db(func, *args)

    async def scenario() -> int:
        sent: list[dict] = []
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": longpoll.PATH, "raw_path": longpoll.PATH.encode(), "root_path": "",
            "query_string": f"wait={wait}".encode(), "client": (address, 50000), "server": ("testserver", 80),
            "headers": [(b"host", b"testserver"), (b"authorization", f"Runner {credential}".encode())],
        }
        forever = asyncio.Event()

        async def receive():
            await forever.wait()  # the agent stays connected

        async def send(message):
            sent.append(message)

        longpoll._db = counting_db
        try:
            await longpoll.long_poll(scope, receive, send)
        finally:
            longpoll._db = real_db
        return sent[0]["status"]

    return asyncio.run(scenario()), ran


@pytest.fixture
def listening(settings):
    settings.RUNNER_CREDENTIAL_CACHE_SECONDS = 0  # authentication on a database thread, counted apart
    settings.RUNNER_SEEN_FLUSH_SECONDS = 5  # last-seen batched, as in production (the test settings write at once)
    keep = wakeup.hub.add(wakeup.RUNNER, 0)  # the channel's thread runs while anyone waits
    try:
        assert wait_until(lambda: wakeup.hub.listening, 15)
        yield
    finally:
        wakeup.hub.remove(keep)


def _new_address_events(runner) -> list[str]:
    return list(AuditEvent.objects.filter(action="runner.credential_new_address", target_id=str(runner.pk))
                .order_by("id").values_list("after__address", flat=True))


def test_a_re_poll_from_a_known_address_needs_no_database_thread(world, listening):
    reg = register_runner(world.a.org, world.a.admin)
    status, ran = _poll(reg.credential, "192.0.2.10", "0")
    assert status == 204 and "_arrive" in ran  # the first poll from an address is looked up and recorded

    for _ in range(3):
        status, ran = _poll(reg.credential, "192.0.2.10", "0.2")
        assert status == 204
        assert "_arrive" not in ran and "claim_job_body" not in ran
    assert _new_address_events(reg.runner) == ["192.0.2.10"]


def test_a_re_poll_from_a_new_address_is_still_recorded(world, listening):
    reg = register_runner(world.a.org, world.a.admin)
    _poll(reg.credential, "192.0.2.10", "0")
    _poll(reg.credential, "192.0.2.10", "0.2")

    status, ran = _poll(reg.credential, "203.0.113.9", "0.2")
    assert status == 204 and "_arrive" in ran
    assert _new_address_events(reg.runner) == ["192.0.2.10", "203.0.113.9"]
