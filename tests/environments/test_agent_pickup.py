"""The runner agent (a real process) picks environment requests up through the channel, opens the sealed clone
credential, runs its environment command and reports; the default command really reads the commit from the
emulator with that credential."""

from __future__ import annotations

import sys
import time

import pytest

from environments import services
from environments.models import EnvironmentRequest, EnvironmentState
from tests.environments.conftest import env_url, seed_repositories
from tests.integrations.oauth_fixtures import AGENT_WAIT, make_integration, running_agent
from tests.projects.conftest import CLOUD_SCOPES, ProjectsSetup

pytestmark = [pytest.mark.django_db(transaction=True)]


def wait_for_outcome(env: EnvironmentRequest, runner, timeout: float = 30.0) -> EnvironmentRequest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        env.refresh_from_db()
        if env.state != EnvironmentState.PENDING:
            return env
        if runner.agent_process.poll() is not None:
            break
        time.sleep(0.1)
    from runners.models import RunnerJob

    runner.agent_process.terminate()
    out = runner.agent_process.communicate(timeout=10)[1]
    job = RunnerJob.objects.filter(pk=env.job_id).values("state", "error").first()
    raise AssertionError(f"environment {env.pk} still {env.state}; job {job}; agent: {out[-3000:]}")


def setup_on(world, emulator, runner) -> ProjectsSetup:
    seeded = seed_repositories(emulator)
    cloud = make_integration(runner, world.a.admin, "bitbucket-cloud", client_id="k", secret="cloud-secret")
    server = make_integration(runner, world.a.admin, "bitbucket-server", host=emulator.server_url,
                              client_id="c", secret="server-secret")
    setup = ProjectsSetup(world=world, emulator=emulator, runner=runner, cloud=cloud, server=server)
    setup.seeded = seeded
    setup.connections["cloud"] = setup.cloud_connection(world.a.member, scopes=CLOUD_SCOPES)
    setup.connections["server"] = setup.server_connection(world.a.member, permissions=["REPO_READ"])
    return setup


@pytest.fixture
def live_env(world, emulator, live_server, tmp_path, settings):
    settings.RUNNER_LONG_POLL_SECONDS = AGENT_WAIT
    settings.BITBUCKET_CLOUD_WEB_URL = emulator.cloud_web_url
    settings.BITBUCKET_CLOUD_API_URL = emulator.cloud_api_url
    settings.PORTAL_BASE_URL = live_server.url

    def start(*extra_args):
        return running_agent(world.a.org, world.a.admin, live_server.url, tmp_path / f"agent{len(extra_args)}",
                             name=f"env-runner-{len(extra_args)}", extra_args=extra_args)

    return start


@pytest.mark.parametrize(("flavour", "tail", "ref"), [("cloud", "/pull-requests/1", "feature/login"),
                                                      ("server", "/browse?at=refs/heads/feature/api", "feature/api")])
def test_the_agent_starts_the_environment_reading_the_commit_with_the_sealed_credential(
        world, emulator, live_env, flavour, tail, ref):
    with live_env() as runner:
        setup = setup_on(world, emulator, runner)
        env = services.environment_request_create(runner=runner, user=world.a.member,
                                                  url=env_url(setup, flavour, tail))
        env = wait_for_outcome(env, runner)
    assert env.state == EnvironmentState.STARTED, env.reason
    repository = "acme/webapp" if flavour == "cloud" else "ACME/backend"
    assert env.detail == (f"Environment ready: {repository} at {ref} ({env.commit[:12]}) for Alice Liddell "
                          f"<{env.git_author_email}>")
    assert env.picked_up_at is not None and env.finished_at is not None
    # The command's read of the commit reached the provider, authenticated (the emulator logged it).
    reads = [r for r in emulator.requests() if env.commit in r["path"]]
    assert reads and all(r.get("status", 200) == 200 for r in reads)
    token = setup.connections[flavour].access_token
    assert token not in runner.agent_output


def test_a_failing_environment_command_is_reported_with_its_reason(world, emulator, live_env, tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import os, sys\nprint('no disk for', os.environ['ENVIRONMENT_REPOSITORY'],"
                      " os.environ['ENVIRONMENT_GIT_PASSWORD'], file=sys.stderr)\nsys.exit(3)\n")
    with live_env("--environment-command", f"{sys.executable} {script}") as runner:
        setup = setup_on(world, emulator, runner)
        env = services.environment_request_create(runner=runner, user=world.a.member, url=env_url(setup, "cloud"))
        env = wait_for_outcome(env, runner)
    assert env.state == EnvironmentState.FAILED
    assert env.reason == "The environment command exited with status 3: no disk for acme/webapp ***"
