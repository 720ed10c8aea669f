"""A long poll ends within the portal's cap whatever `wait` says (security finding F1: `wait=nan` once
kept a web thread polling forever, and four such requests took the site down)."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest

pytestmark = pytest.mark.django_db


@contextmanager
def must_return_within(seconds: int):
    """Fail the test, instead of hanging the run, when the block does not return in time."""

    def expire(signum, frame):
        raise AssertionError(f"the request did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("wait", ["nan", "NaN", "inf", "-inf", "infinity", "true", "1e999"])
def test_non_finite_or_non_numeric_wait_is_refused_at_once(registered, wait):
    with must_return_within(5):
        response = registered.agent_client().get(f"/api/runner/v1/jobs/next?wait={wait}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"wait": ["Enter a finite number."]}


def test_huge_wait_is_capped(registered, settings):
    settings.RUNNER_LONG_POLL_SECONDS = 0.2
    with must_return_within(5):
        response = registered.agent_client().get("/api/runner/v1/jobs/next?wait=1e300")
    assert response.status_code == 204


def test_negative_wait_means_no_wait(registered):
    with must_return_within(5):
        assert registered.agent_client().get("/api/runner/v1/jobs/next?wait=-5").status_code == 204


@pytest.mark.parametrize("wait", ["", "true", " "])
def test_an_empty_or_boolean_wait_is_refused(registered, wait):
    """F12: `wait=` and `wait=true` were accepted as "no wait"."""
    response = registered.agent_client().get(f"/api/runner/v1/jobs/next?wait={wait}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"wait": ["Enter a finite number."]}
