"""Writes to prebuilds: queue from a processed delivery, supersede, cancel, re-run, settings.

Everything here runs inside the caller's transaction or its own; a channel job for the runner's agent
is written in the same transaction as the prebuild, so the agent sees both or neither.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.prebuilds import matching
from integrations.prebuilds.models import ACTIVE_STATES, FINISHED_STATES, Prebuild, PrebuildState, Trigger
from integrations.prebuilds.statuses import status_record
from integrations.projects.models import Project, WebhookDelivery
from integrations.providers import build_status as bs
from integrations.webhooks.events import PULL_REQUEST, PUSH
from portal.audit import audit_record
from portal.errors import Conflict, ValidationFailed
from runners import services as runner_services
from runners.models import RunnerJob
from runners.protocol import jobs as protocol

JOB_KIND = protocol.JobKind.PREBUILD
PR_ACTIONS = ("opened", "updated")


def _same_commit(commit: str) -> Q:
    """Bitbucket Cloud names pull request commits by a 12-character prefix: a prefix and its full hash
    are the same commit (at least 7 characters, as git abbreviates)."""
    commit = commit.lower()
    if len(commit) >= 40:
        return Q(commit__in=[commit[:n] for n in range(7, len(commit) + 1)])
    return Q(commit__startswith=commit) if len(commit) >= 7 else Q(commit=commit)


def _new_job(prebuild: Prebuild) -> RunnerJob | None:
    if prebuild.runner is None:
        return None
    return runner_services.runner_job_create(runner=prebuild.runner, kind=JOB_KIND,
                                             payload=protocol.encode(protocol.PrebuildPayload(prebuild.pk)),
                                             timeout=settings.PREBUILD_QUEUE_TIMEOUT_SECONDS)


def _expire_job(prebuild: Prebuild) -> None:
    if prebuild.job_id:
        RunnerJob.objects.filter(pk=prebuild.job_id, state=RunnerJob.State.PENDING).update(
            state=RunnerJob.State.EXPIRED, payload_encrypted="", finished_at=timezone.now())


def prebuild_queue(*, project: Project, ref: str, commit: str, trigger: str, delivery: WebhookDelivery | None,
                   pull_request_id: int | None = None) -> tuple[Prebuild | None, str]:
    """Queue one commit; (the prebuild, what happened) or (None, why not). Call inside a transaction."""
    existing = Prebuild.objects.filter(_same_commit(commit), project=project).first()
    if existing is not None:
        return None, f"{commit[:12]} already has prebuild #{existing.pk} ({existing.get_state_display().lower()})"
    pushed_at = delivery.received_at if delivery is not None else timezone.now()
    if trigger == Trigger.PUSH and Prebuild.objects.filter(project=project, ref=ref,
                                                           pushed_at__gt=pushed_at).exists():
        return None, f"{ref} was pushed again since {commit[:12]}: the newer push is built instead"
    try:
        with transaction.atomic():
            prebuild = Prebuild.objects.create(
                organization_id=project.organization_id, project=project, runner_id=project.runner_id, ref=ref,
                commit=commit.lower(), trigger=trigger, pull_request_id=pull_request_id, delivery=delivery,
                pushed_at=pushed_at)
    except IntegrityError:  # the same commit queued by a concurrent delivery
        return None, f"{commit[:12]} already has a prebuild"
    prebuild.job = _new_job(prebuild)
    prebuild.save(update_fields=["job"])
    superseded = _supersede_older(prebuild) if trigger == Trigger.PUSH else 0
    status_record(prebuild=prebuild, state=bs.IN_PROGRESS, description=f"Queued on {project.runner.name}")
    note = f"prebuild #{prebuild.pk} queued for {commit[:12]}"
    return prebuild, note + (f", superseding {superseded} queued" if superseded else "")


def _supersede_older(prebuild: Prebuild) -> int:
    """Queued, not yet started prebuilds of older pushes to the same ref are not worth building any more."""
    older = list(Prebuild.objects.select_for_update(of=("self",)).filter(
        project_id=prebuild.project_id, ref=prebuild.ref, state=PrebuildState.QUEUED, trigger=Trigger.PUSH,
        pushed_at__lt=prebuild.pushed_at).exclude(pk=prebuild.pk))
    now = timezone.now()
    for old in older:
        old.state, old.finished_at, old.superseded_by = PrebuildState.SUPERSEDED, now, prebuild
        old.reason = f"Superseded by a newer push ({prebuild.short_commit}) before it started."
        old.save(update_fields=["state", "finished_at", "superseded_by", "reason"])
        _expire_job(old)
        status_record(prebuild=old, state=bs.STOPPED, description=f"Superseded by {prebuild.short_commit}")
    return len(older)


def prebuilds_from_delivery(*, project: Project, delivery: WebhookDelivery) -> list[str]:
    """What a processed push or pull request queues for the project; notes for the delivery's result."""
    if not project.prebuilds:
        return ["prebuilds are off"]
    event = delivery.event or {}
    notes: list[str] = []
    if delivery.kind == PUSH:
        for change in event.get("changes", []):
            ref, new = str(change.get("ref") or ""), change.get("new")
            if not new or not ref.startswith(matching.BRANCH_PREFIX):
                continue
            branch = ref.removeprefix(matching.BRANCH_PREFIX)
            if not matching.builds_branch(patterns=project.prebuild_branches, default_branch=project.default_branch,
                                          branch=branch):
                notes.append(f"{branch} is not a prebuild branch")
                continue
            notes.append(prebuild_queue(project=project, ref=ref, commit=str(new), trigger=Trigger.PUSH,
                                        delivery=delivery)[1])
    elif delivery.kind == PULL_REQUEST:
        pull = event.get("pull_request") or {}
        if not project.prebuild_pull_requests:
            notes.append("pull request prebuilds are off")
        elif pull.get("action") in PR_ACTIONS and pull.get("source_commit"):
            notes.append(prebuild_queue(project=project, ref=str(pull.get("source_ref") or ""),
                                        commit=str(pull["source_commit"]), trigger=Trigger.PULL_REQUEST,
                                        delivery=delivery, pull_request_id=pull.get("id"))[1])
    return notes


def _summary(prebuild: Prebuild) -> dict:
    return {"state": prebuild.state, "commit": prebuild.commit, "ref": prebuild.ref, "attempt": prebuild.attempt}


def prebuild_cancel(*, prebuild: Prebuild, actor) -> Prebuild:
    """Queued: cancelled at once. Running: the agent is told at its next report and stops the command."""
    with transaction.atomic():
        locked = Prebuild.objects.select_for_update(of=("self",)).select_related("project", "organization").get(
            pk=prebuild.pk)
        if locked.state not in ACTIVE_STATES:
            raise Conflict(f"This prebuild is {locked.get_state_display().lower()}: there is nothing to cancel.")
        before = _summary(locked)
        now = timezone.now()
        locked.requested_by = actor if getattr(actor, "pk", None) else None
        if locked.state == PrebuildState.QUEUED:
            locked.state, locked.finished_at = PrebuildState.CANCELLED, now
            locked.reason = f"Cancelled by {actor} before it started."
            _expire_job(locked)
            status_record(prebuild=locked, state=bs.STOPPED, description="Cancelled")
        else:
            locked.cancel_requested_at = now
        locked.save()
        audit_record(organization=locked.organization, actor=actor, action="prebuild.cancelled", target=locked,
                     target_label=f"{locked.project.repository} {locked.short_commit}", before=before,
                     after=_summary(locked))
    return locked


def prebuild_rerun(*, prebuild: Prebuild, actor) -> Prebuild:
    """Build the same commit again: the same row (one per commit), a new attempt, a new job for the agent."""
    with transaction.atomic():
        locked = Prebuild.objects.select_for_update(of=("self",)).select_related(
            "project__runner", "organization").get(pk=prebuild.pk)
        if locked.state not in FINISHED_STATES:
            raise Conflict("This prebuild has not finished yet: cancel it first, or wait for it.")
        before = _summary(locked)
        locked.runner = locked.project.runner
        locked.state, locked.attempt = PrebuildState.QUEUED, locked.attempt + 1
        locked.reason, locked.exit_code, locked.output, locked.output_truncated = "", None, "", False
        locked.started_at = locked.finished_at = locked.last_progress_at = locked.cancel_requested_at = None
        locked.superseded_by = None
        locked.queued_at = timezone.now()
        locked.requested_by = actor if getattr(actor, "pk", None) else None
        locked.job = _new_job(locked)
        locked.save()
        status_record(prebuild=locked, state=bs.IN_PROGRESS,
                      description=f"Queued again on {locked.project.runner.name} (attempt {locked.attempt})")
        audit_record(organization=locked.organization, actor=actor, action="prebuild.rerun", target=locked,
                     target_label=f"{locked.project.repository} {locked.short_commit}", before=before,
                     after=_summary(locked))
    return locked


def prebuild_settings_update(*, project: Project, actor, enabled: bool, branches: str,
                             pull_requests: bool) -> Project:
    problems = matching.pattern_errors(branches)
    if problems:
        raise ValidationFailed(f"prebuild_branches: {problems[0]}", fields={"prebuild_branches": problems})
    normalized = ", ".join(matching.branch_patterns(branches))
    if len(normalized) > 500:
        message = "At most 500 characters of branch patterns."
        raise ValidationFailed(f"prebuild_branches: {message}", fields={"prebuild_branches": [message]})
    with transaction.atomic():
        locked = Project.objects.select_for_update(of=("self",)).select_related("organization").get(pk=project.pk)
        before = settings_summary(locked)
        locked.prebuilds, locked.prebuild_branches, locked.prebuild_pull_requests = enabled, normalized, pull_requests
        locked.save(update_fields=["prebuilds", "prebuild_branches", "prebuild_pull_requests", "updated_at"])
        after = settings_summary(locked)
        if after != before:
            audit_record(organization=locked.organization, actor=actor, action="project.prebuild_settings",
                         target=locked, target_label=locked.repository,
                         before={k: v for k, v in before.items() if after[k] != v},
                         after={k: v for k, v in after.items() if before[k] != v})
    return locked


def settings_summary(project: Project) -> dict:
    return {"prebuilds": project.prebuilds, "prebuild_branches": project.prebuild_branches,
            "prebuild_pull_requests": project.prebuild_pull_requests}


def stale_before(now=None) -> timezone.datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.PREBUILD_STALE_AFTER_SECONDS)
