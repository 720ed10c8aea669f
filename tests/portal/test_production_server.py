"""The production server (ASGI, gunicorn.conf.py) keeps its database connections across requests.

Under ASGI each request runs on a thread of its own, so Django's per-thread persistent connections die
with it: every request opened a new PostgreSQL connection, 40% of a webhook delivery's time. The pool
(DATABASE_POOL, which gunicorn.conf.py turns on) lends them instead. Counted with PostgreSQL's own
`sessions` counter for the test database.
"""

from __future__ import annotations

import httpx
import pytest
from django.db import connection

from tests.runners.channel_servers import PortalProcess
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db(transaction=True)


def _sessions_opened() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counters, now
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _requests(url: str, credential: str, count: int) -> list[int]:
    # /api/runner/v1/me is an ordinary Django view that reads the database on every call.
    with httpx.Client(headers={"Authorization": f"Runner {credential}"}, timeout=30) as client:
        return [client.get(f"{url}/api/runner/v1/me").status_code for _ in range(count)]


@pytest.mark.parametrize(("pool", "most_new_sessions"), [("true", 5), ("false", None)])
def test_requests_reuse_pooled_connections(world, tmp_path, pool, most_new_sessions):
    reg = register_runner(world.a.org, world.a.admin)
    web = PortalProcess(tmp_path, "web", DATABASE_POOL=pool)
    try:
        assert _requests(web.url, reg.credential, 3) == [200] * 3  # warm: the pool's first connections
        before = _sessions_opened()
        assert _requests(web.url, reg.credential, 40) == [200] * 40
        opened = _sessions_opened() - before
    finally:
        web.stop()
    if most_new_sessions is None:
        # Without the pool: a connection per request (the last few backends may not have reported yet).
        assert opened >= 30
    else:
        assert opened <= most_new_sessions
