"""OAuth connect fixtures: a live portal, the emulator, a real runner agent process, and integrations
whose OAuth apps are registered at the emulator with the integration's own callback URL.

Imported by tests/integrations/conftest.py and tests/browser/conftest.py. Every test using these is
transactional: the agent reaches the portal through live_server's own database connections.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.submit import integration_submit
from runners import services as runner_services
from runners.models import Runner

ROOT = Path(__file__).resolve().parents[2]
CLOUD_SECRET = "cloud-consumer-secret-5ad1e0c9"
SERVER_SECRET = "server-client-secret-77b3f2aa"
CLOUD_SCOPES = ["account", "email", "repository", "repository:write", "pullrequest", "issue"]
SERVER_SCOPES = ["PUBLIC_REPOS", "REPO_READ", "REPO_WRITE"]


@dataclass
class OAuthWorld:
    world: object
    emulator: object
    live_url: str
    runner: Runner
    integrations: dict[str, ScmIntegration] = field(default_factory=dict)

    @property
    def user(self):
        return self.world.a.member

    def client(self, user=None) -> Client:
        client = Client()
        client.force_login(user or self.user)
        return client


def _agent(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runners.agent", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


AGENT_WAIT = 1.0


@contextlib.contextmanager
def running_agent(org, actor, live_url: str, state_dir, *, name: str, extra_args: tuple[str, ...] = ()):
    """A runner of `org` with a real agent process registered against the live portal, running."""
    runner, token = runner_services.runner_create(org=org, actor=actor, name=name, kind=Runner.Kind.SELF_HOSTED,
                                                  cloud_provider="aws", region="eu-west-1")
    done = _agent("register", "--portal", live_url, "--token", token, "--state-dir", str(state_dir))
    assert done.returncode == 0, done.stderr
    command = [sys.executable, "-m", "runners.agent", "run", "--state-dir", str(state_dir), "--wait", str(AGENT_WAIT),
               *extra_args]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runner.refresh_from_db()
    runner.agent_process = process
    try:
        yield runner
    finally:
        if process.poll() is None:
            process.terminate()
        out, err = process.communicate(timeout=10)
        runner.agent_output = out + err
        # Let the portal finish the long poll the agent left, before the test database goes away.
        time.sleep(AGENT_WAIT + 0.5)


@pytest.fixture
def agent_runner(world, live_server, tmp_path, settings):
    # Short long-polls, so the portal's side of the last one ends soon after the agent stops.
    settings.RUNNER_LONG_POLL_SECONDS = AGENT_WAIT
    with running_agent(world.a.org, world.a.admin, live_server.url, tmp_path / "agent", name="acme-oauth") as runner:
        yield runner


def make_integration(runner: Runner, actor, provider: str, *, host: str = "", client_id: str,
                     secret: str) -> ScmIntegration:
    """Through the dialog's form and submit path, as an admin would: the secret is sealed to the runner."""
    data = {"provider": provider, "host": host, "oauth_enabled": "on", "pat_enabled": "on",
            "client_id": client_id, "client_secret": secret}
    form = ScmIntegrationForm(data, runner=runner)
    assert form.is_valid(), form.errors
    return integration_submit(form=form, actor=actor).integration


@pytest.fixture
def oauth_world(world, emulator, live_server, agent_runner, settings) -> OAuthWorld:
    """Bitbucket Cloud and Server integrations on the agent's runner, their OAuth apps at the emulator,
    and user `alice` on both emulated providers."""
    settings.PORTAL_BASE_URL = live_server.url
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    admin = world.a.admin
    cloud = make_integration(agent_runner, admin, "bitbucket-cloud", client_id="cloud-key-1",
                             secret=CLOUD_SECRET)
    emulator.control("POST", "/cloud/consumers", json={"key": "cloud-key-1", "secret": CLOUD_SECRET,
                                                       "name": "Portal on acme-oauth",
                                                       "callback_url": cloud.callback_url,
                                                       "scopes": CLOUD_SCOPES})
    server = make_integration(agent_runner, admin, "bitbucket-server", host=emulator.server_url,
                              client_id="server-client-1", secret=SERVER_SECRET)
    emulator.control("POST", "/server/oauth-clients", json={"client_id": "server-client-1",
                                                            "client_secret": SERVER_SECRET,
                                                            "name": "Portal on acme-oauth",
                                                            "redirect_uri": server.callback_url,
                                                            "scopes": SERVER_SCOPES})
    emulator.control("POST", "/cloud/users", json={"username": "alice", "display_name": "Alice Liddell",
                                                   "email": "alice@wonder.example"})
    emulator.control("POST", "/server/users", json={"slug": "alice", "display_name": "Alice Liddell",
                                                    "email": "alice@corp.example"})
    return OAuthWorld(world=world, emulator=emulator, live_url=live_server.url, runner=agent_runner,
                      integrations={"cloud": cloud, "server": server})


# --- driving the flow without a browser ------------------------------------------------------


def start_connect(client: Client, integration: ScmIntegration, *, popup: bool = True) -> str:
    """POST the Connect form; return the provider's authorize URL the portal redirected to."""
    done = reverse("connection_oauth_done", args=[integration.organization.slug, integration.pk])
    response = client.post(reverse("scm_login", kwargs={"provider_id": integration.oauth_key}),
                           {"process": "connect", "next": f"{done}?popup=1" if popup else done})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def consent(authorize_url: str, *, user: str = "alice", action: str = "grant") -> str:
    """Answer the emulator's consent page; return the callback URL it redirects the browser to."""
    with httpx.Client(timeout=10) as http:
        page = http.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        form_action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
        answer = http.post(urljoin(authorize_url, form_action),
                           data={"request_id": request_id, "user": user, "action": action})
    assert answer.status_code in (302, 303), answer.text[:500]
    return answer.headers["Location"]


def callback_path(url: str) -> str:
    """The live URL's path and query, for the in-process test client."""
    match = re.match(r"https?://[^/]+(/.*)$", url)
    assert match, url
    return match.group(1)
