"""runners.wakeup within one process: what the demo (SQLite) relies on, and the bookkeeping every process uses."""

from __future__ import annotations

import asyncio
import threading

import pytest

from runners import wakeup
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
