"""Run the same call on several threads at once, each with its own database connection, as racing
requests or workers would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(call: Callable[[], object], count: int, *, timeout: float = 120.0) -> list[BaseException]:
    """`call()` on `count` threads released together; returns what they raised (an empty list when none did)."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            start.wait(timeout=timeout)
            call()
        except BaseException as exc:  # noqa: BLE001 - the caller asserts on them
            errors.append(exc)
        finally:
            connection.close()  # this thread's own: the test database must be droppable

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors
