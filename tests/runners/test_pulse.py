"""Batched last-seen writes: many agent calls, few UPDATEs, and never a live runner shown offline."""

from __future__ import annotations

import types
from datetime import timedelta

import pytest
from django.utils import timezone

from runners import pulse, services
from runners.models import Runner
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch, settings):
    settings.RUNNER_SEEN_FLUSH_SECONDS = 5
    settings.RUNNER_OFFLINE_AFTER_SECONDS = 60
    now = types.SimpleNamespace(value=1000.0)
    monkeypatch.setattr(pulse, "time", types.SimpleNamespace(monotonic=lambda: now.value))
    monkeypatch.setattr(pulse, "_last_flush", now.value)
    monkeypatch.setattr(pulse, "_written", {})
    monkeypatch.setattr(pulse, "_pending", set())
    return now


def test_many_pulses_cost_one_update(world, clock, django_assert_num_queries):
    runners = [register_runner(world.a.org, world.a.admin, name=f"r{i}").runner for i in range(20)]
    with django_assert_num_queries(20):  # the first pulse of each runner in this process is written at once
        for runner in runners:
            services.runner_seen(runner=runner)
    long_ago = timezone.now() - timedelta(seconds=50)
    Runner.objects.update(last_seen_at=long_ago)
    clock.value += 1
    with django_assert_num_queries(0):  # then they wait for the batch, 3 polls each
        for _ in range(3):
            for runner in runners:
                services.runner_seen(runner=runner)
    clock.value += 5
    with django_assert_num_queries(1):  # the next pulse after the interval writes all 20 in one UPDATE
        services.runner_seen(runner=runners[0])
    assert not Runner.objects.filter(last_seen_at=long_ago).exists()
    assert all(runner.status == "online" for runner in Runner.objects.all())


def test_agents_that_only_re_poll_after_each_full_long_poll_stay_in_the_batch(world, clock, django_assert_num_queries):
    runners = [register_runner(world.a.org, world.a.admin, name=f"r{i}").runner for i in range(20)]
    for runner in runners:
        services.runner_seen(runner=runner)
    for _ in range(3):
        clock.value += 20.5  # each agent's next poll, after a full 20 s wait answered 204
        with django_assert_num_queries(1):  # the batch, not a row per agent
            for runner in runners:
                services.runner_seen(runner=runner)
    assert all(runner.status == "online" for runner in Runner.objects.all())


def test_a_runner_not_written_lately_is_written_at_once(world, clock, django_assert_num_queries):
    runner = register_runner(world.a.org, world.a.admin).runner
    services.runner_seen(runner=runner)
    Runner.objects.filter(pk=runner.pk).update(last_seen_at=None)
    clock.value += 31  # beyond half the online window: the stored value may be getting old
    with django_assert_num_queries(1):
        services.runner_seen(runner=runner)
    runner.refresh_from_db()
    assert runner.status == "online"


def test_a_new_agent_version_is_written_at_once(world, clock):
    runner = register_runner(world.a.org, world.a.admin).runner
    services.runner_seen(runner=runner)
    services.runner_seen(runner=runner, agent_version="2.0")
    runner.refresh_from_db()
    assert runner.agent_version == "2.0"


def test_flush_writes_what_is_pending(world, clock):
    runner = register_runner(world.a.org, world.a.admin).runner
    services.runner_seen(runner=runner)
    Runner.objects.filter(pk=runner.pk).update(last_seen_at=None)
    services.runner_seen(runner=runner)
    assert pulse.flush() == 1
    runner.refresh_from_db()
    assert runner.last_seen_at is not None
