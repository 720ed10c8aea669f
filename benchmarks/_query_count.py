"""Counts SQL statements in a benchmark's processes: a wrapper on every database connection Django opens,
and the process's figures written as JSON to $BENCH_STATS_DIR/<pid>.json when it ends."""

from __future__ import annotations

import atexit
import itertools
import json
import os
import resource

_count = itertools.count()


def _counting(execute, sql, params, many, context):
    next(_count)
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs) -> None:
    if _counting not in connection.execute_wrappers:
        connection.execute_wrappers.append(_counting)


def write_stats() -> None:
    folder = os.environ.get("BENCH_STATS_DIR")
    if not folder:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {"pid": os.getpid(), "queries": next(_count), "peak_rss_kb": usage.ru_maxrss,
             "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}
    with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as out:
        json.dump(stats, out)


def install() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_install, weak=False)
    atexit.register(write_stats)
