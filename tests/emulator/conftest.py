from __future__ import annotations

import pytest

from tests.emulator.openapi import CLOUD_SPEC, DC_SPEC, Spec
from tests.emulator.seeded import SeededEmulator, seed_emulator


@pytest.fixture(scope="session")
def cloud_spec() -> Spec:
    return Spec(CLOUD_SPEC, "urn:bitbucket-cloud")


@pytest.fixture(scope="session")
def dc_spec() -> Spec:
    return Spec(DC_SPEC, "urn:bitbucket-dc")


@pytest.fixture
def seeded(emulator) -> SeededEmulator:
    return seed_emulator(emulator)
