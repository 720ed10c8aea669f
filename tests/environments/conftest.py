"""Environments fixtures: acme's runner with Bitbucket Cloud and Server against the emulator, repositories with
branches, tags, pull requests and issues, and alice's connections holding tokens the emulator minted."""

from __future__ import annotations

import pytest

from tests.integrations.oauth_fixtures import make_integration
from tests.projects.conftest import CLOUD_SCOPES, ProjectsSetup
from tests.runners.conftest import register_runner


def seed_repositories(emulator) -> dict:
    control = emulator.control
    control("POST", "/cloud/users", json={"username": "alice", "display_name": "Alice Liddell",
                                          "email": "alice@wonder.example"})
    control("POST", "/server/users", json={"slug": "alice", "display_name": "Alice Liddell",
                                           "email": "alice@corp.example"})
    control("POST", "/cloud/workspaces", json={"slug": "acme", "name": "Acme", "owner": "alice"})
    cloud = control("POST", "/cloud/repositories", json={
        "workspace": "acme", "slug": "webapp", "main_branch": "main", "branches": ["feature/login", "v2"],
        "tags": ["v1.0.0", "v2"],
        "pullrequests": [{"title": "Add login page", "source": "feature/login"}],
        "issues": [{"title": "Login button is misaligned!"}]})
    control("POST", "/server/projects", json={"key": "ACME", "name": "Acme Platform",
                                              "permissions": {"alice": "PROJECT_ADMIN"}})
    server = control("POST", "/server/repositories", json={
        "project": "ACME", "slug": "backend", "main_branch": "develop", "branches": ["feature/api"],
        "tags": ["release-1"], "pull_requests": [{"title": "New API", "source": "feature/api"}]})
    return {"cloud": cloud, "server": server}


@pytest.fixture
def env_setup(world, emulator, settings) -> ProjectsSetup:
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    settings.PORTAL_BASE_URL = "http://portal.test"
    seeded = seed_repositories(emulator)
    registration = register_runner(world.a.org, world.a.admin)
    runner = registration.runner
    cloud = make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key", secret="cloud-secret")
    server = make_integration(runner, world.a.admin, "bitbucket-server", host=emulator.server_url,
                              client_id="server-client", secret="server-secret")
    setup = ProjectsSetup(world=world, emulator=emulator, runner=runner, cloud=cloud, server=server)
    setup.seeded = seeded
    setup.runner_registration = registration  # its credential and private key, as the agent holds them
    setup.connections["cloud"] = setup.cloud_connection(world.a.member, scopes=CLOUD_SCOPES)
    setup.connections["server"] = setup.server_connection(world.a.member, permissions=["PROJECT_ADMIN"])
    return setup


def env_url(setup, flavour: str, tail: str = "") -> str:
    if flavour == "cloud":
        return f"{setup.emulator.cloud_web_url}/acme/webapp{tail}"
    return f"{setup.emulator.server_url}/projects/ACME/repos/backend{tail}"
