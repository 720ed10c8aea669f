"""End to end over real HTTP: a push on the emulator is delivered to the live portal's receiver, a Celery
worker (through Redis) processes it and queues a prebuild, a real agent process claims it through the
channel, opens the sealed clone credential, runs the command and streams its output, and the commit
statuses the worker posts are read back from the emulator's commit, in order."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.prebuilds.agent_work import RUNNER_STOPPED
from integrations.prebuilds.models import CommitStatus, PostState, Prebuild, PrebuildState
from integrations.prebuilds.sweep import prebuilds_sweep
from tests.integrations.test_no_plaintext_secrets import pg_dump
from tests.prebuilds.conftest import hook_active, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def statuses_on_emulator(setup, flavour: str, repository: str, commit: str) -> list[dict]:
    return setup.emulator.control("GET", f"/{flavour}/statuses",
                                  params={"repository": repository, "commit": commit})["statuses"]


def all_posted(prebuild: Prebuild, count: int) -> bool:
    rows = CommitStatus.objects.filter(prebuild=prebuild)
    return rows.count() >= count and not rows.filter(post_state=PostState.PENDING).exists()


def finished(prebuild_id: int) -> bool:
    return Prebuild.objects.get(pk=prebuild_id).state not in (PrebuildState.QUEUED, PrebuildState.RUNNING)


@pytest.mark.parametrize(("flavour", "repository", "event", "default_branch"), [
    ("cloud", "acme/webapp", "repo:push", "main"),
    ("server", "ACME/backend", "repo:refs_changed", "master"),
])
def test_a_push_is_prebuilt_by_the_agent_and_bitbucket_shows_the_status(
        projects_setup, live_server, settings, worker, start_agent, flavour, repository, event, default_branch,
        caplog, client_for, api_client_for):
    settings.PORTAL_BASE_URL = live_server.url
    project = projects_setup.create(flavour, repository)
    assert project.default_branch == default_branch  # read from the provider when the project was made
    assert wait_until(lambda: hook_active(project)), Project_error(project)
    agent = start_agent()

    pushed = projects_setup.emulator.control("POST", f"/{flavour}/events", json={
        "event": event, "repository": repository, "branch": default_branch, "message": "Ship it\n"})
    commit = pushed["created"]["commit"]

    assert wait_until(lambda: Prebuild.objects.filter(project=project).exists())
    prebuild = Prebuild.objects.get(project=project)
    assert (prebuild.commit, prebuild.ref, prebuild.trigger) == (commit, f"refs/heads/{default_branch}", "push")
    assert wait_until(lambda: finished(prebuild.pk), 60), agent.text()
    prebuild.refresh_from_db()
    assert prebuild.state == PrebuildState.SUCCEEDED, (prebuild.reason, prebuild.output, agent.text())
    # The default command read the commit from the provider with the clone credential.
    assert f"Commit:  {commit}" in prebuild.output and "Prebuild done." in prebuild.output
    assert prebuild.started_at and prebuild.finished_at and prebuild.exit_code == 0

    assert wait_until(lambda: all_posted(prebuild, 3)), list(CommitStatus.objects.values("state", "error"))
    posted = statuses_on_emulator(projects_setup, flavour, repository, commit)
    assert [s["state"] for s in posted] == ["INPROGRESS", "INPROGRESS", "SUCCESSFUL"]
    assert [s["description"] for s in posted][:2] == ["Queued on acme-aws", "Running on acme-aws"]
    assert {s["url"] for s in posted} == {live_server.url + prebuild.get_absolute_url()}
    assert len({s["key"] for s in posted}) == 1

    # The clone credential (the connection's token) is nowhere in plain text: not in the agent's log, the
    # portal's log, the prebuild's page or API answer, nor any table.
    token = projects_setup.connections[flavour].access_token
    page = client_for(projects_setup.admin).get(prebuild.get_absolute_url()).content.decode()
    api = api_client_for(projects_setup.admin).get(
        f"/api/v1/orgs/acme/projects/{project.pk}/prebuilds/{prebuild.pk}/").content.decode()
    assert "Prebuild done." in page and "Prebuild done." in api
    places = {"agent log": agent.text(), "portal log": caplog.text, "page": page, "api": api,
              "pg_dump": pg_dump()}
    assert [name for name, text in places.items() if token in text] == []


def Project_error(project) -> str:
    project.refresh_from_db()
    return project.webhook_error


def test_a_failing_command_fails_the_prebuild_and_the_status(projects_setup, live_server, settings, worker,
                                                             start_agent):
    settings.PORTAL_BASE_URL = live_server.url
    project = projects_setup.create("cloud", "acme/api")
    assert wait_until(lambda: hook_active(project))
    start_agent('echo "building $PREBUILD_REPOSITORY"; echo "token is $PREBUILD_GIT_PASSWORD"; exit 3')
    pushed = projects_setup.emulator.control("POST", "/cloud/events", json={
        "event": "repo:push", "repository": "acme/api", "branch": "main"})
    commit = pushed["created"]["commit"]
    assert wait_until(lambda: Prebuild.objects.filter(project=project).exists())
    prebuild = Prebuild.objects.get(project=project)
    assert wait_until(lambda: finished(prebuild.pk), 60)
    prebuild.refresh_from_db()
    assert prebuild.state == PrebuildState.FAILED and prebuild.exit_code == 3
    assert "exited with 3" in prebuild.reason
    # A command that prints the credential: the agent masks it before the output leaves the runner.
    assert "building acme/api" in prebuild.output and "token is ***" in prebuild.output
    assert projects_setup.connections["cloud"].access_token not in prebuild.output
    assert wait_until(lambda: all_posted(prebuild, 3))
    assert [s["state"] for s in statuses_on_emulator(projects_setup, "cloud", "acme/api", commit)] == [
        "INPROGRESS", "INPROGRESS", "FAILED"]


def test_an_agent_killed_mid_run_fails_the_prebuild_with_the_reason(projects_setup, live_server, settings, worker,
                                                                     start_agent, tmp_path):
    settings.PORTAL_BASE_URL = live_server.url
    project = projects_setup.create("cloud", "acme/docs")
    assert wait_until(lambda: hook_active(project))
    pid_file = tmp_path / "command.pid"
    agent = start_agent(f"echo $$ > {pid_file}; echo started; exec sleep 120")
    pushed = projects_setup.emulator.control("POST", "/cloud/events", json={
        "event": "repo:push", "repository": "acme/docs", "branch": "main"})
    commit = pushed["created"]["commit"]
    assert wait_until(lambda: Prebuild.objects.filter(project=project, output__contains="started").exists(), 60)
    agent.kill()
    try:
        prebuild = Prebuild.objects.get(project=project)
        assert prebuild.state == PrebuildState.RUNNING
        # Nothing changes before the bound; after it, the sweep gives the prebuild up.
        assert prebuilds_sweep()["failed"] == 0
        later = timezone.now() + timedelta(seconds=settings.PREBUILD_STALE_AFTER_SECONDS + 1)
        assert prebuilds_sweep(now=later)["failed"] == 1
        prebuild.refresh_from_db()
        assert prebuild.state == PrebuildState.FAILED and prebuild.reason == RUNNER_STOPPED
        assert wait_until(lambda: all_posted(prebuild, 3))
        last = statuses_on_emulator(projects_setup, "cloud", "acme/docs", commit)[-1]
        assert last["state"] == "FAILED" and "stopped answering" in last["description"]
    finally:
        if pid_file.exists():  # the command the killed agent left behind
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
