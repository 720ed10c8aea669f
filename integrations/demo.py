"""Demo runner and repository access, against the emulator. Idempotent; used by `make demo`."""

from __future__ import annotations

import httpx
from django.db import transaction

from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.services import integration_save
from portal.models import Organization, User
from runners.models import Runner
from runners.services import runner_create, runner_registration_token_regenerate

RUNNER_NAME = "acme-aws"
CLOUD_KEY, CLOUD_SECRET = "demo-acme-cloud-key", "demo-acme-cloud-secret-0123456789"
SERVER_CLIENT_ID, SERVER_SECRET = "demo-acme-server-client", "demo-acme-server-secret-0123456789"


@transaction.atomic
def seed_runner(*, new_token: bool = False) -> tuple[Runner, str | None]:
    """The demo runner; returns a fresh registration token when its agent (still or again) has to register."""
    org = Organization.objects.get(slug="acme")
    alice = User.objects.get(email="alice@acme.example")
    runner = Runner.objects.filter(organization=org, name=RUNNER_NAME).first()
    if runner is None:
        runner, token = runner_create(
            org=org,
            actor=alice,
            name=RUNNER_NAME,
            kind=Runner.Kind.SELF_HOSTED,
            cloud_provider="aws",
            region="eu-west-1",
        )
        return runner, token
    if new_token or not runner.has_public_key:
        return runner, runner_registration_token_regenerate(runner=runner, actor=alice)
    return runner, None


def server_url(emulator_url: str) -> str:
    return f"{emulator_url.rstrip('/')}/bbs/bitbucket"


def seed_access(emulator_url: str) -> list[ScmIntegration]:
    """Bitbucket Cloud and the demo Bitbucket Server on acme-aws, secrets sealed to its key,
    and the matching OAuth consumer / application link registered in the emulator."""
    runner = Runner.objects.get(organization__slug="acme", name=RUNNER_NAME)
    alice = User.objects.get(email="alice@acme.example")
    # The optional webhook scopes are ticked: alice creates projects, whose hooks need them.
    wanted = [
        ("bitbucket-cloud", "", CLOUD_KEY, CLOUD_SECRET, ["webhook"]),
        ("bitbucket-server", server_url(emulator_url), SERVER_CLIENT_ID, SERVER_SECRET, ["REPO_ADMIN"]),
    ]
    done = []
    for provider, host, client_id, secret, optional in wanted:
        existing = ScmIntegration.objects.filter(runner=runner, provider=provider).first()
        if existing is not None and existing.secret_state == "set" and set(optional) <= set(existing.optional_scopes):
            done.append(existing)
            continue
        data = {
            "provider": provider,
            "host": host,
            "oauth_enabled": True,
            "pat_enabled": True,
            "client_id": client_id,
            "client_secret": secret,
            "optional_scopes": optional,
        }
        form = ScmIntegrationForm(data, instance=existing, runner=runner)
        done.append(integration_save(form=form, actor=alice))
    _register_in_emulator(emulator_url, done)
    return done


def _register_in_emulator(emulator_url: str, integrations: list[ScmIntegration]) -> None:
    secrets = {CLOUD_KEY: CLOUD_SECRET, SERVER_CLIENT_ID: SERVER_SECRET}
    with httpx.Client(base_url=emulator_url, timeout=10) as emu:
        for integration in integrations:
            secret = secrets[integration.client_id]
            if integration.provider == "bitbucket-cloud":
                body = {
                    # A Bitbucket consumer carries its permissions: tick exactly what the dialog lists.
                    "scopes": integration.scopes,
                    "key": integration.client_id,
                    "secret": secret,
                    "name": "Acme portal (demo)",
                    "callback_url": integration.callback_url,
                }
                emu.post("/_emulator/cloud/consumers", json=body).raise_for_status()
            else:
                body = {
                    "client_id": integration.client_id,
                    "client_secret": secret,
                    "name": "Acme portal (demo)",
                    "redirect_uri": integration.callback_url,
                }
                emu.post("/_emulator/server/oauth-clients", json=body).raise_for_status()
