"""Pytest plugin: one emulator process per session, reset before each test. No Django here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.testing import RunningEmulator, start_emulator


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[RunningEmulator]:
    running = start_emulator()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def emulator(emulator_process: RunningEmulator) -> RunningEmulator:
    emulator_process.reset()
    return emulator_process
