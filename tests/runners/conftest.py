"""Runner fixtures. The two-org `world` and logged-in clients come from tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.utils import timezone
from rest_framework.test import APIClient

from runners import services
from runners.models import Runner
from runners.protocol.sealing import SUITE_NAME, generate_private_key, public_key_b64


@dataclass
class RegisteredRunner:
    runner: Runner
    private_key: X25519PrivateKey
    credential: str

    def agent_client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Runner {self.credential}")
        return client


def create_runner(org, actor=None, name: str = "acme-aws", **fields) -> tuple[Runner, str]:
    fields.setdefault("kind", Runner.Kind.SELF_HOSTED)
    if fields["kind"] == Runner.Kind.SELF_HOSTED:
        fields.setdefault("cloud_provider", "aws")
        fields.setdefault("region", "eu-west-1")
    return services.runner_create(org=org, actor=actor, name=name, **fields)


def register_runner(org, actor=None, name: str = "acme-aws", *, online: bool = True) -> RegisteredRunner:
    runner, token = create_runner(org, actor, name)
    key = generate_private_key()
    runner, credential = services.runner_register(registration_token=token, public_key=public_key_b64(key),
                                                  suite=SUITE_NAME, agent_version="test", hostname="test-host")
    if not online:
        Runner.objects.filter(pk=runner.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))
        runner.refresh_from_db()
    return RegisteredRunner(runner=runner, private_key=key, credential=credential)


@pytest.fixture
def registered(world) -> RegisteredRunner:
    """An online runner of acme (world.a) with a registered key."""
    return register_runner(world.a.org, world.a.admin)
