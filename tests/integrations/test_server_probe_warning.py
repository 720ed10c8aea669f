"""The Bitbucket Server probe warns when the instance's links point at localhost (Base URL not set)."""

from __future__ import annotations

import httpx
import pytest

from integrations.forms import ScmIntegrationForm
from integrations.providers import bitbucket_server
from integrations.submit import integration_submit
from tests.runners.conftest import register_runner

TIMEOUT = httpx.Timeout(5.0)


@pytest.fixture
def public_repo(emulator):
    emulator.control("POST", "/server/projects", json={"key": "PUB", "name": "Public"})
    emulator.control("POST", "/server/repositories", json={"project": "PUB", "slug": "site", "public": True})
    return emulator


def test_misconfigured_base_url_is_a_warning_with_the_fix(public_repo):
    public_repo.control("POST", "/server/settings", json={"misconfigured_base_url": True})

    report = bitbucket_server.PROVIDER.probe_host(public_repo.server_url, timeout=TIMEOUT, oauth_enabled=True)

    assert report.refusals == {}
    assert "Administration → Server settings → Base URL to " + public_repo.server_url in report.warning


def test_a_correct_base_url_gives_no_warning(public_repo):
    report = bitbucket_server.PROVIDER.probe_host(public_repo.server_url, timeout=TIMEOUT, oauth_enabled=True)
    assert report.warning == ""


@pytest.mark.django_db
def test_saving_carries_the_warning_to_the_admin(world, public_repo):
    public_repo.control("POST", "/server/settings", json={"misconfigured_base_url": True})
    runner = register_runner(world.a.org, world.a.admin).runner
    form = ScmIntegrationForm({"provider": "bitbucket-server", "host": public_repo.server_url, "pat_enabled": "on"},
                              runner=runner)

    submitted = integration_submit(form=form, actor=world.a.admin)

    assert "localhost" in submitted.host_check.warning
    assert submitted.integration.server_version
