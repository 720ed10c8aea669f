"""The emulator's demo tokens (listed in the README's "Token connections") pass the portal's check."""

from __future__ import annotations

import pytest

from emulator.testing import start_emulator
from integrations.providers import get_provider

DEMO = [
    ("bitbucket-cloud", "api-token", "alice@acme.example", "ATATT3xDemoAliceApiToken0001", "", "alice-bb"),
    ("bitbucket-cloud", "access-token", "acme/webapp", "ATCTT3xDemoWebappRepoToken0001", "repository acme/webapp",
     ""),
    ("bitbucket-cloud", "access-token", "acme", "ATCTT3xDemoAcmeWorkspaceToken0001", "workspace acme", ""),
    ("bitbucket-cloud", "app-password", "alice-bb", "ATBBDemoAliceAppPassword0001", "", "alice-bb"),
    ("bitbucket-server", "http-access-token", "alice", "BBDC-DemoAliceHttpAccessToken0001", "", "alice"),
    ("bitbucket-server", "http-access-token", "", "BBDC-DemoBackendRepoToken0001", "repository ACME/backend", ""),
]


@pytest.fixture(scope="module")
def demo_emulator():
    with start_emulator(seed="demo") as running:
        yield running


@pytest.mark.parametrize(("provider", "kind", "login", "token", "resource", "username"), DEMO)
def test_each_demo_token_is_accepted(demo_emulator, settings, provider, kind, login, token, resource, username):
    settings.BITBUCKET_CLOUD_API_URL = demo_emulator.cloud_api_url
    host = demo_emulator.server_url if provider == "bitbucket-server" else demo_emulator.cloud_web_url

    check = get_provider(provider).check_token(host=host, kind=kind, login=login, token=token, options={})

    assert check.resource == resource
    assert (check.identity.username if check.identity else "") == username
    assert check.scopes
