"""`make demo`'s repository access: every provider's demo app ticks its webhook scope, so the demo's
projects can install hooks; an integration saved before that is brought up to date, and re-running changes
nothing else."""

from __future__ import annotations

import httpx
import pytest

from integrations import demo
from integrations.models import ScmIntegration
from integrations.providers.bitbucket_cloud.demo import KEY as CLOUD_KEY
from portal.demo import seed_tenancy
from portal.models import Organization, User
from tests.integrations.oauth_fixtures import point_azure_at
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_runner(emulator, settings):
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    point_azure_at(settings, emulator)
    seed_tenancy()
    acme, alice = Organization.objects.get(slug="acme"), User.objects.get(email="alice@acme.example")
    return register_runner(acme, alice, name=demo.RUNNER_NAME).runner


def consent_scopes(emulator) -> str:
    """The consent page a demo user sees when connecting Bitbucket Cloud (the consumer's own scopes)."""
    page = httpx.get(f"{emulator.cloud_web_url}/site/oauth2/authorize",
                     params={"client_id": CLOUD_KEY, "response_type": "code"}, timeout=10)
    assert page.status_code == 200, page.text
    return page.text


def test_the_demo_apps_carry_the_webhook_scopes(demo_runner, emulator):
    integrations = {i.provider: i for i in demo.seed_access(emulator.base_url)}

    assert set(integrations) == {"bitbucket-cloud", "bitbucket-server", "github", "gitlab", "azure-devops"}
    assert "webhook" in integrations["bitbucket-cloud"].scopes
    assert "REPO_ADMIN" in integrations["bitbucket-server"].scopes
    assert all(i.secret_state == "set" for i in integrations.values())
    # The consumer registered in the emulator asks for the webhook scope too.
    assert '<code class="scope">webhook</code>' in consent_scopes(emulator)
    state = emulator.control("GET", "/state")
    assert CLOUD_KEY in state["cloud"]["consumers"]
    assert integrations["bitbucket-server"].client_id in state["server"]["oauth_clients"]
    # GitHub, GitLab and Azure DevOps: their OAuth apps are registered with the integrations' callback URLs.
    for provider, flavour in (("github", "github"), ("gitlab", "gitlab"), ("azure-devops", "azure")):
        assert integrations[provider].client_id in state[flavour]["apps"]
    assert integrations["github"].host == emulator.url_of("github")
    assert integrations["azure-devops"].options["organization"] == "acme"


def test_an_integration_saved_without_them_is_updated_and_a_rerun_adds_nothing(demo_runner, emulator):
    first = {i.provider: i.pk for i in demo.seed_access(emulator.base_url)}
    ScmIntegration.objects.filter(pk=first["bitbucket-cloud"]).update(optional_scopes=[])
    assert "webhook" not in ScmIntegration.objects.get(pk=first["bitbucket-cloud"]).scopes

    again = {i.provider: i for i in demo.seed_access(emulator.base_url)}

    assert {provider: i.pk for provider, i in again.items()} == first
    assert "webhook" in ScmIntegration.objects.get(pk=first["bitbucket-cloud"]).scopes
    assert ScmIntegration.objects.filter(runner=demo_runner).count() == 5
