"""Demo runner and repository access, against the emulator. Idempotent; used by `make demo`."""

from __future__ import annotations

import httpx
from django.db import transaction

from integrations.forms import ScmIntegrationForm, option_field_name
from integrations.models import ScmIntegration
from integrations.providers import PROVIDERS
from integrations.submit import integration_submit
from portal.models import Organization, User
from runners.models import Runner
from runners.services import runner_create, runner_registration_token_regenerate

RUNNER_NAME = "acme-aws"


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


def seed_access(emulator_url: str) -> list[ScmIntegration]:
    """Every provider with a demo OAuth app on acme-aws, secrets sealed to its key, and the matching
    OAuth app (consumer, application link, ...) registered in the emulator."""
    runner = Runner.objects.get(organization__slug="acme", name=RUNNER_NAME)
    alice = User.objects.get(email="alice@acme.example")
    done = []
    for provider in PROVIDERS.values():
        app = provider.demo_app(emulator_url)
        if app is None:
            continue
        existing = ScmIntegration.objects.filter(runner=runner, provider=provider.spec.id).first()
        # The demo app's optional scopes (the webhook scopes: alice creates projects, whose hooks need them)
        # are ticked; an integration saved before they were is updated.
        wanted = list(app.optional_scopes)
        if existing is None or existing.secret_state != "set" or not set(wanted) <= set(existing.optional_scopes):
            data = {
                "provider": provider.spec.id,
                "host": app.host,
                "oauth_enabled": True,
                "pat_enabled": True,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "optional_scopes": wanted,
                **{option_field_name(key): value for key, value in app.options.items()},
            }
            form = ScmIntegrationForm(data, instance=existing, runner=runner)
            existing = integration_submit(form=form, actor=alice).integration
        done.append((existing, app))
    with httpx.Client(base_url=emulator_url, timeout=10) as emu:
        for integration, app in done:
            emu.post(app.control_path, json=app.registration(integration.callback_url, integration.scopes)
                     ).raise_for_status()
    return [integration for integration, _ in done]
