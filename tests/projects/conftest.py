"""Projects fixtures: acme's runner with Bitbucket Cloud and Server configured against the emulator, and
org admin's connections holding real tokens minted by the emulator.

Emulator state (per test, after reset):
  Cloud:  alice owns workspace `acme` (webapp, api, docs) and her personal workspace `alice`
          (dotfiles); she is a plain member of `partner` (shared: read only).
  Server: alice is PROJECT_ADMIN of ACME (backend, frontend), reads OTHER (readonly), owns ~alice/notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection, ScmIntegration
from integrations.models.connection import Method, Status
from integrations.projects import services
from integrations.projects.models import Project
from tests.integrations.oauth_fixtures import make_integration
from tests.runners.conftest import RegisteredRunner, register_runner

CLOUD_SCOPES = ["account", "email", "repository", "repository:write", "pullrequest", "issue", "webhook"]


@dataclass
class ProjectsSetup:
    world: object
    emulator: object
    runner: object
    cloud: ScmIntegration
    server: ScmIntegration
    connections: dict[str, Connection] = field(default_factory=dict)
    registered: RegisteredRunner | None = None  # the runner's key and agent credential (for a real agent)

    @property
    def admin(self):
        return self.world.a.admin

    @property
    def org(self):
        return self.world.a.org

    def create(self, flavour: str, repository: str, **kwargs) -> Project:
        """A project through the service, as the picker's Create button makes it."""
        return services.project_create(org=self.org, actor=self.admin, connection=self.connections[flavour],
                                       repository=repository, **kwargs)

    def hooks(self, flavour: str, repository: str) -> list[dict]:
        """The repository's hooks as the emulator holds them (read back, not from the portal)."""
        return self.emulator.control("GET", f"/{flavour}/hooks", params={"repository": repository})

    def cloud_connection(self, user, *, scopes: list[str], username: str = "alice") -> Connection:
        token = self.emulator.control("POST", "/cloud/tokens", json={"kind": "oauth", "user": username,
                                                                      "scopes": scopes})
        connection = Connection(organization=self.org, integration=self.cloud, user=user, method=Method.OAUTH,
                                username=username, display_name="Alice Liddell", granted_scopes=scopes,
                                status=Status.ACTIVE, expires_at=timezone.now() + timedelta(hours=2))
        connection.access_token = token["token"]
        connection.save()
        return connection

    def server_connection(self, user, *, permissions: list[str], username: str = "alice") -> Connection:
        token = self.emulator.control("POST", "/server/tokens", json={"level": "user", "user": username,
                                                                       "permissions": permissions})
        connection = Connection(organization=self.org, integration=self.server, user=user,
                                method=Method.HTTP_ACCESS_TOKEN, username=username, display_name="Alice Liddell",
                                status=Status.ACTIVE)
        connection.access_token = token["token"]
        connection.save()
        return connection


def seed_emulator(emulator) -> None:
    control = emulator.control
    for username in ("alice", "bob"):
        control("POST", "/cloud/users", json={"username": username, "display_name": username.title()})
        control("POST", "/server/users", json={"slug": username, "display_name": username.title()})
    control("POST", "/cloud/workspaces", json={"slug": "acme", "name": "Acme", "owner": "alice",
                                               "members": {"bob": "member"}})
    control("POST", "/cloud/workspaces", json={"slug": "alice", "name": "Alice", "owner": "alice"})
    control("POST", "/cloud/workspaces", json={"slug": "partner", "name": "Partner", "owner": "bob",
                                               "members": {"alice": "member"}})
    for workspace, slug in (("acme", "webapp"), ("acme", "api"), ("acme", "docs"), ("alice", "dotfiles"),
                            ("partner", "shared")):
        control("POST", "/cloud/repositories", json={"workspace": workspace, "slug": slug,
                                                     "description": f"The {slug} repository"})
    control("POST", "/server/projects", json={"key": "ACME", "name": "Acme Platform",
                                              "permissions": {"alice": "PROJECT_ADMIN"}})
    control("POST", "/server/projects", json={"key": "OTHER", "name": "Other team",
                                              "permissions": {"alice": "PROJECT_READ", "bob": "PROJECT_ADMIN"}})
    for project, slug in (("ACME", "backend"), ("ACME", "frontend"), ("OTHER", "readonly"), ("~alice", "notes")):
        control("POST", "/server/repositories", json={"project": project, "slug": slug})


@pytest.fixture
def projects_setup(world, emulator, settings) -> ProjectsSetup:
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    settings.PORTAL_BASE_URL = "http://portal.test"
    seed_emulator(emulator)
    registered = register_runner(world.a.org, world.a.admin)
    runner = registered.runner
    cloud = make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="cloud-key", secret="cloud-secret")
    server = make_integration(runner, world.a.admin, "bitbucket-server", host=emulator.server_url,
                              client_id="server-client", secret="server-secret")
    ps = ProjectsSetup(world=world, emulator=emulator, runner=runner, cloud=cloud, server=server,
                       registered=registered)
    ps.connections["cloud"] = ps.cloud_connection(world.a.admin, scopes=CLOUD_SCOPES)
    ps.connections["server"] = ps.server_connection(world.a.admin, permissions=["PROJECT_ADMIN"])
    return ps
