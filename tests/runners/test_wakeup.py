"""runners.wakeup within one process: what the demo (SQLite) relies on, and the bookkeeping every process uses."""

from __future__ import annotations

import asyncio
import threading

import psycopg
import pytest
from django.db import connection

from runners import pulse, wakeup
from runners.selectors import runner_for_credential
from runners.wakeup import ANSWER, JOB, Hub
from tests.runners.channel_servers import wait_until
from tests.runners.conftest import register_runner


@pytest.fixture
def in_process(settings):
    settings.RUNNER_CHANNEL_IN_PROCESS = True
    settings.RUNNER_CHANNEL_SWEEP_SECONDS = 600


@pytest.mark.django_db
def test_in_process_notifications_wake_waiters_at_commit(in_process, django_capture_on_commit_callbacks):
    waiter = wakeup.hub.add(JOB, 41)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            wakeup.publish(JOB, 41)
            assert not waiter.wait(0)  # not before the transaction commits: the agent could not see the row
        assert len(callbacks) == 1 and waiter.wait(0)
    finally:
        wakeup.hub.remove(waiter)


def test_a_job_announced_with_nobody_waiting_is_remembered_once(in_process):
    hub = Hub()
    hub.dispatch(JOB, 7)
    assert hub.take_hint(7) is True
    assert hub.take_hint(7) is False  # consumed by the poll that claimed
    hub.dispatch(ANSWER, 7)  # answers leave no hint: nobody polls for them later
    assert hub.take_hint(7) is False


def test_async_and_thread_waiters_are_both_woken_from_another_thread(in_process):
    hub = Hub()

    async def scenario():
        loop = asyncio.get_running_loop()
        async_waiter = hub.add(JOB, 3, loop=loop)
        thread_waiter = hub.add(JOB, 3)
        other = hub.add(JOB, 4, loop=loop)
        threading.Thread(target=hub.dispatch, args=(JOB, 3)).start()
        await asyncio.wait_for(async_waiter.future, 5)
        woke = await asyncio.to_thread(thread_waiter.wait, 5)
        for waiter in (async_waiter, thread_waiter, other):
            hub.remove(waiter)
        return woke, other.future.done()

    try:
        assert asyncio.run(scenario()) == (True, False)
    finally:
        hub.stop()
    assert hub.waiting(JOB) == []


def test_listeners_hear_every_notification_and_a_broken_one_harms_nobody(in_process):
    hub = Hub()
    heard = []
    hub.on_notification(lambda kind, ident: 1 / 0)
    hub.on_notification(lambda kind, ident: heard.append((kind, ident)))
    waiter = hub.add(ANSWER, 9)
    try:
        hub.dispatch(ANSWER, 9)
        assert waiter.wait(0) and (ANSWER, 9) in heard
    finally:
        hub.remove(waiter)
        hub.stop()


@pytest.mark.django_db
def test_a_re_polling_agent_authenticates_from_memory_until_its_runner_changes(
        world, in_process, django_assert_num_queries, django_capture_on_commit_callbacks):
    reg = register_runner(world.a.org, world.a.admin)
    waiter = wakeup.hub.add(JOB, reg.runner.pk)  # an agent waits: this process hears the channel
    try:
        assert wait_until(lambda: wakeup.hub.listening, 10)
        assert runner_for_credential(reg.credential).pk == reg.runner.pk  # the first call reads the row
        with django_assert_num_queries(0):  # re-polls, reconnects and heartbeats: no query to authenticate
            for _ in range(5):
                assert runner_for_credential(reg.credential).pk == reg.runner.pk
        with django_capture_on_commit_callbacks(execute=True):
            reg.runner.save(update_fields=["name"])  # any change is announced, in every process
        with django_assert_num_queries(1):
            assert runner_for_credential(reg.credential).pk == reg.runner.pk
        with django_capture_on_commit_callbacks(execute=True):
            reg.runner.delete()  # announced too: the cached credential stops working at once
        assert runner_for_credential(reg.credential) is None
    finally:
        wakeup.hub.remove(waiter)


def _blocked_runner_updates() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE \"runners_runner\"%%'")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_notification_is_delivered_while_a_last_seen_flush_is_stuck(world, settings):
    """The listener only dispatches: a slow flush (here: blocked on a row lock) must not hold up a wake-up."""
    settings.RUNNER_SEEN_FLUSH_SECONDS = 0.5
    runner = register_runner(world.a.org, world.a.admin).runner
    params = {k: v for k, v in connection.get_connection_params().items() if k in wakeup._CONNECT_KEYS}
    with psycopg.connect(**params) as locker:
        locker.execute("SELECT id FROM runners_runner WHERE id = %s FOR UPDATE", [runner.pk])
        pulse.flush()  # the next batch is not due for a while: this thread will not write it
        pulse.written(runner.pk)
        pulse.seen(runner.pk)  # buffered: the channel's housekeeping writes it, and waits for the lock
        waiter = wakeup.hub.add(JOB, runner.pk)
        try:
            assert wait_until(lambda: wakeup.hub.listening, 30)
            assert wait_until(lambda: _blocked_runner_updates() == 1, 30)  # the flush waits for the lock
            wakeup.publish(JOB, runner.pk)
            assert waiter.wait(10)  # woken although the flush is still stuck
            assert _blocked_runner_updates() == 1
        finally:
            locker.rollback()
            wakeup.hub.remove(waiter)
    assert wait_until(lambda: _blocked_runner_updates() == 0, 30)
