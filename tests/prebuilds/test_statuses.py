"""Posting commit build statuses: in order, retried on a provider outage without touching the prebuild's own
state, a refusal recorded (and shown) rather than raised, and the wire format of each Bitbucket."""

from __future__ import annotations

import pytest

from integrations.prebuilds import services, statuses
from integrations.prebuilds.models import CommitStatus, PostState, PrebuildState, Trigger
from integrations.providers import build_status as bs
from integrations.providers.bitbucket_server import statuses as server_statuses

pytestmark = pytest.mark.django_db


def queued(projects_setup, flavour: str, repository: str, branch: str):
    project = projects_setup.create(flavour, repository)
    event = "repo:push" if flavour == "cloud" else "repo:refs_changed"
    commit = projects_setup.emulator.control("POST", f"/{flavour}/events", json={
        "event": event, "repository": repository, "branch": branch})["created"]["commit"]
    prebuild, _ = services.prebuild_queue(project=project, ref=f"refs/heads/{branch}", commit=commit,
                                          trigger=Trigger.PUSH, delivery=None)
    return prebuild


def on_emulator(projects_setup, flavour, repository, commit):
    return projects_setup.emulator.control("GET", f"/{flavour}/statuses",
                                           params={"repository": repository, "commit": commit})["statuses"]


def test_a_5xx_is_retried_and_the_prebuild_state_is_untouched(projects_setup, settings):
    settings.PORTAL_BASE_URL = "http://portal.test"
    prebuild = queued(projects_setup, "cloud", "acme/webapp", "main")
    projects_setup.emulator.control("POST", "/faults", json={"path": "/statuses/build", "kind": "status",
                                                             "status": 503, "times": 1})
    with pytest.raises(statuses.StatusPostDeferred):
        statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=False)
    row = CommitStatus.objects.get(prebuild=prebuild)
    assert row.post_state == PostState.PENDING and row.attempts == 1 and "503" in row.error
    prebuild.refresh_from_db()
    assert prebuild.state == PrebuildState.QUEUED
    # The retry goes through; the status is on the commit with a link back to the prebuild page.
    assert statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=False) == 1
    row.refresh_from_db()
    assert row.post_state == PostState.POSTED and row.attempts == 2 and row.error == ""
    [posted] = on_emulator(projects_setup, "cloud", "acme/webapp", prebuild.commit)
    assert posted["state"] == "INPROGRESS" and posted["url"] == "http://portal.test" + prebuild.get_absolute_url()
    assert posted["ref"] == "main"


def test_later_statuses_wait_for_an_earlier_one_and_a_final_failure_is_recorded(projects_setup):
    prebuild = queued(projects_setup, "cloud", "acme/api", "main")
    services.prebuild_cancel(prebuild=prebuild, actor=projects_setup.admin)  # INPROGRESS, then STOPPED
    projects_setup.emulator.control("POST", "/faults", json={"path": "/statuses/build", "kind": "status",
                                                             "status": 502, "times": 1})
    with pytest.raises(statuses.StatusPostDeferred):
        statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=False)
    assert list(CommitStatus.objects.filter(prebuild=prebuild).values_list("post_state", "attempts")) == [
        ("pending", 1), ("pending", 0)]  # the second never overtakes the first
    projects_setup.emulator.control("POST", "/faults", json={"path": "/statuses/build", "kind": "status",
                                                             "status": 503, "times": 1})
    assert statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=True) == 1
    first, second = CommitStatus.objects.filter(prebuild=prebuild)
    assert first.post_state == PostState.FAILED and "503" in first.error
    assert second.post_state == PostState.POSTED
    assert [s["state"] for s in on_emulator(projects_setup, "cloud", "acme/api", prebuild.commit)] == ["STOPPED"]
    prebuild.refresh_from_db()
    assert prebuild.state == PrebuildState.CANCELLED


def test_a_refusal_is_not_retried(projects_setup):
    prebuild = queued(projects_setup, "cloud", "acme/docs", "main")
    projects_setup.emulator.control("POST", "/faults", json={"path": "/statuses/build", "kind": "status",
                                                             "status": 403, "times": 1})
    assert statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=False) == 0
    row = CommitStatus.objects.get(prebuild=prebuild)
    assert row.post_state == PostState.FAILED and "403" in row.error


def test_server_posts_to_the_repository_scoped_api_and_older_servers_to_the_global_one(projects_setup):
    prebuild = queued(projects_setup, "server", "ACME/backend", "master")
    assert statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=False) == 1
    requests = projects_setup.emulator.requests(method="POST")
    assert any(r["path"].endswith(f"/rest/api/latest/projects/ACME/repos/backend/commits/{prebuild.commit}/builds")
               for r in requests)
    # An older server (before 8.0): the global build-status API, where a stopped build is FAILED.
    integration = prebuild.project.integration
    integration.server_version = "7.21.0"
    integration.save(update_fields=["server_version"])
    services.prebuild_cancel(prebuild=prebuild, actor=projects_setup.admin)
    assert statuses.commit_statuses_post(prebuild_id=prebuild.pk, final_attempt=False) == 1
    assert any(r["path"].endswith(f"/rest/build-status/1.0/commits/{prebuild.commit}")
               for r in projects_setup.emulator.requests(method="POST"))
    assert [s["state"] for s in on_emulator(projects_setup, "server", "ACME/backend", prebuild.commit)] == [
        "INPROGRESS", "FAILED"]
    assert server_statuses.uses_repository_scoped_api("8.19.1") and server_statuses.uses_repository_scoped_api("")
    assert not server_statuses.uses_repository_scoped_api("7.21.0")
    status = bs.BuildStatus(key="k", state=bs.STOPPED, name="n", url="http://portal.test/x", ref="refs/heads/main")
    assert server_statuses.status_body(status)["state"] == "CANCELLED"
    assert server_statuses.status_body(status, legacy=True) == {
        "key": "k", "state": "FAILED", "name": "n", "url": "http://portal.test/x", "description": ""}
