"""What a processed delivery queues: one prebuild per commit (redeliveries, a push and a pull request on one
commit), branch patterns, pull request settings, and a newer push superseding a queued prebuild."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.prebuilds import services
from integrations.prebuilds.models import CommitStatus, Prebuild, PrebuildState
from integrations.projects import deliveries
from integrations.projects.models import WebhookDelivery
from runners.models import RunnerJob

pytestmark = pytest.mark.django_db

SHA_A = "a" * 40
SHA_B = "b" * 40


@pytest.fixture
def project(projects_setup):
    return projects_setup.create("cloud", "acme/webapp")


def deliver(project, kind: str, event: dict, *, delivery_id: str, at=None) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        organization=project.organization, project=project, delivery_id=delivery_id, event_key="repo:push",
        kind=kind, event=event, body_sha256="0" * 64, signature_ok=True, received_at=at or timezone.now())
    assert deliveries.delivery_process(delivery_pk=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def push(project, commit: str, *, branch: str = "main", delivery_id: str, at=None) -> WebhookDelivery:
    event = {"kind": "push", "changes": [{"ref": f"refs/heads/{branch}", "old": None, "new": commit,
                                          "created": True, "deleted": False}]}
    return deliver(project, "push", event, delivery_id=delivery_id, at=at)


def pull_request(project, commit: str, *, action: str = "opened", delivery_id: str) -> WebhookDelivery:
    event = {"kind": "pull_request", "pull_request": {"id": 7, "action": action, "source_ref": "refs/heads/feature",
                                                      "source_commit": commit, "target_ref": "refs/heads/main"}}
    return deliver(project, "pull_request", event, delivery_id=delivery_id)


def test_a_push_to_the_default_branch_queues_a_prebuild_and_a_job_for_the_runner(project):
    delivery = push(project, SHA_A, delivery_id="d1")
    prebuild = Prebuild.objects.get(project=project)
    assert (prebuild.state, prebuild.commit, prebuild.ref, prebuild.delivery_id) == (
        PrebuildState.QUEUED, SHA_A, "refs/heads/main", delivery.pk)
    assert f"prebuild #{prebuild.pk} queued" in delivery.result
    job = RunnerJob.objects.get(pk=prebuild.job_id)
    assert job.kind == "prebuild" and job.runner_id == project.runner_id and job.state == RunnerJob.State.PENDING
    assert [(s.state, s.description) for s in CommitStatus.objects.filter(prebuild=prebuild)] == [
        ("in_progress", "Queued on acme-aws")]


def test_a_redelivery_and_a_pull_request_on_the_same_commit_queue_nothing_more(project, projects_setup):
    first = push(project, SHA_A, delivery_id="d1")
    deliveries.delivery_redeliver(delivery=first, actor=projects_setup.admin)
    assert deliveries.delivery_process(delivery_pk=first.pk)
    # Bitbucket Cloud names a pull request's commit by its first 12 characters.
    pr = pull_request(project, SHA_A[:12], delivery_id="d2")
    assert Prebuild.objects.filter(project=project).count() == 1
    assert "already has prebuild" in pr.result
    assert RunnerJob.objects.filter(kind="prebuild").count() == 1


def test_a_pull_request_first_then_a_push_of_its_full_hash_is_one_prebuild(project):
    pull_request(project, SHA_B[:12], delivery_id="d1")
    push(project, SHA_B, branch="main", delivery_id="d2")
    [prebuild] = Prebuild.objects.filter(project=project)
    assert prebuild.trigger == "pull_request" and prebuild.pull_request_id == 7


def test_a_newer_push_supersedes_a_queued_one_but_not_a_running_one(project):
    old = timezone.now() - timedelta(minutes=1)
    push(project, SHA_A, delivery_id="d1", at=old)
    first = Prebuild.objects.get(commit=SHA_A)
    push(project, SHA_B, delivery_id="d2")
    first.refresh_from_db()
    second = Prebuild.objects.get(commit=SHA_B)
    assert first.state == PrebuildState.SUPERSEDED and first.superseded_by_id == second.pk
    assert "Superseded by a newer push" in first.reason
    assert RunnerJob.objects.get(pk=first.job_id).state == RunnerJob.State.EXPIRED  # the agent never gets it
    assert CommitStatus.objects.filter(prebuild=first).last().state == "stopped"
    # Running work is not thrown away by a push.
    Prebuild.objects.filter(pk=second.pk).update(state=PrebuildState.RUNNING)
    push(project, "c" * 40, delivery_id="d3")
    assert Prebuild.objects.get(pk=second.pk).state == PrebuildState.RUNNING


def test_an_older_push_processed_late_neither_builds_nor_supersedes(project):
    push(project, SHA_B, delivery_id="d2")
    late = push(project, SHA_A, delivery_id="d1", at=timezone.now() - timedelta(minutes=5))
    assert not Prebuild.objects.filter(commit=SHA_A).exists()
    assert Prebuild.objects.get(commit=SHA_B).state == PrebuildState.QUEUED
    assert "pushed again since" in late.result


def test_branch_patterns_and_pull_request_switch(project, projects_setup):
    services.prebuild_settings_update(project=project, actor=projects_setup.admin, enabled=True,
                                      branches="release/*, hotfix", pull_requests=False)
    project.refresh_from_db()
    skipped = push(project, SHA_A, branch="main", delivery_id="d1")
    assert "main is not a prebuild branch" in skipped.result
    push(project, SHA_B, branch="release/2.0", delivery_id="d2")
    assert list(Prebuild.objects.values_list("ref", flat=True)) == ["refs/heads/release/2.0"]
    pr = pull_request(project, "d" * 12, delivery_id="d3")
    assert "pull request prebuilds are off" in pr.result and Prebuild.objects.count() == 1


def test_prebuilds_off_queue_nothing(project, projects_setup):
    services.prebuild_settings_update(project=project, actor=projects_setup.admin, enabled=False, branches="",
                                      pull_requests=True)
    project.refresh_from_db()
    assert "prebuilds are off" in push(project, SHA_A, delivery_id="d1").result
    assert not Prebuild.objects.exists()


def test_cancel_and_rerun(project, projects_setup):
    push(project, SHA_A, delivery_id="d1")
    prebuild = Prebuild.objects.get()
    cancelled = services.prebuild_cancel(prebuild=prebuild, actor=projects_setup.admin)
    assert cancelled.state == PrebuildState.CANCELLED
    assert RunnerJob.objects.get(pk=prebuild.job_id).state == RunnerJob.State.EXPIRED
    again = services.prebuild_rerun(prebuild=cancelled, actor=projects_setup.admin)
    assert (again.state, again.attempt, again.reason) == (PrebuildState.QUEUED, 2, "")
    assert again.job_id != prebuild.job_id
    assert RunnerJob.objects.get(pk=again.job_id).state == RunnerJob.State.PENDING
    # A running prebuild is asked to stop; the agent learns it at its next report.
    Prebuild.objects.filter(pk=again.pk).update(state=PrebuildState.RUNNING)
    asked = services.prebuild_cancel(prebuild=again, actor=projects_setup.admin)
    assert asked.state == PrebuildState.RUNNING and asked.cancel_requested_at is not None


def test_settings_refuse_bad_patterns_naming_the_field(project, projects_setup):
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.prebuild_settings_update(project=project, actor=projects_setup.admin, enabled=True,
                                          branches="refs/heads/main", pull_requests=True)
    assert "prebuild_branches" in refused.value.fields
    project.refresh_from_db()
    assert project.prebuild_branches == ""
