"""Bitbucket Cloud and Server integrations that take pasted tokens, and the emulated accounts behind them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.submit import integration_submit
from tests.runners.conftest import register_runner

API_TOKEN_SCOPES = ["read:user:bitbucket", "read:workspace:bitbucket", "read:repository:bitbucket",
                    "read:pullrequest:bitbucket"]


@dataclass
class TokenWorld:
    world: object
    emulator: object
    cloud: ScmIntegration
    server: ScmIntegration

    def cloud_token(self, kind: str, **extra) -> str:
        body = {"kind": kind, **extra}
        if kind in ("api_token", "app_password") and "user" not in body:
            body["user"] = "alice-bb"
        if kind == "api_token" and "scopes" not in body:
            body["scopes"] = API_TOKEN_SCOPES
        return self.emulator.control("POST", "/cloud/tokens", json=body)["token"]

    def server_token(self, **extra) -> str:
        body = {"level": "user", "user": "alice", "permissions": ["REPO_READ"], **extra}
        return self.emulator.control("POST", "/server/tokens", json=body)["token"]


def tokens_only_integration(runner, actor, provider: str, host: str = "") -> ScmIntegration:
    form = ScmIntegrationForm({"provider": provider, "host": host, "pat_enabled": "on"}, runner=runner)
    assert form.is_valid(), form.errors
    return integration_submit(form=form, actor=actor).integration


@pytest.fixture
def token_world(world, emulator, settings) -> TokenWorld:
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    control = emulator.control
    control("POST", "/cloud/users", json={"username": "alice-bb", "display_name": "Alice Liddell",
                                          "email": "alice@acme.example"})
    control("POST", "/cloud/users", json={"username": "bob-bb", "display_name": "Bob Builder",
                                          "email": "bob@acme.example"})
    control("POST", "/cloud/workspaces", json={"slug": "acme", "members": {"alice-bb": "owner", "bob-bb": "member"},
                                               "projects": [{"key": "PLAT", "name": "Platform"}]})
    control("POST", "/cloud/workspaces", json={"slug": "other", "members": {"bob-bb": "owner"}})
    for slug in ("webapp", "api"):
        control("POST", "/cloud/repositories", json={"workspace": "acme", "slug": slug, "project_key": "PLAT"})
    control("POST", "/cloud/repositories", json={"workspace": "other", "slug": "elsewhere"})
    control("POST", "/server/users", json={"slug": "alice", "display_name": "Alice Liddell",
                                           "email": "alice@corp.example"})
    control("POST", "/server/projects", json={"key": "ACME", "permissions": {"alice": "PROJECT_ADMIN"}})
    for slug in ("backend", "frontend"):
        control("POST", "/server/repositories", json={"project": "ACME", "slug": slug})
    runner = register_runner(world.a.org, world.a.admin).runner
    cloud = tokens_only_integration(runner, world.a.admin, "bitbucket-cloud")
    server = tokens_only_integration(runner, world.a.admin, "bitbucket-server", emulator.server_url)
    return TokenWorld(world=world, emulator=emulator, cloud=cloud, server=server)
