"""Prebuild (work a push or pull request queued for the project's runner) and CommitStatus (each build
status the portal posts back to the provider for it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

OUTPUT_LIMIT = 64 * 1024  # characters of output kept: the tail, where the failure usually is


class PrebuildState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    SUPERSEDED = "superseded", "Superseded"


ACTIVE_STATES = (PrebuildState.QUEUED, PrebuildState.RUNNING)
FINISHED_STATES = (PrebuildState.SUCCEEDED, PrebuildState.FAILED, PrebuildState.CANCELLED, PrebuildState.SUPERSEDED)


class Trigger(models.TextChoices):
    PUSH = "push", "Push"
    PULL_REQUEST = "pull_request", "Pull request"


class Prebuild(models.Model):
    """One commit of one project, built by the project's runner. A commit is built once per project:
    redeliveries, and a push and a pull request on the same commit, find this row; Re-run reuses it."""

    State = PrebuildState

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="prebuilds")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="prebuild_runs")
    runner = models.ForeignKey("runners.Runner", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="prebuilds")
    # The channel job that hands this prebuild to the agent; each (re-)run gets a new one.
    job = models.ForeignKey("runners.RunnerJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ref = models.CharField(max_length=255, help_text="refs/heads/<branch> that was pushed, or the PR's source.")
    # Full hash for pushes; Bitbucket Cloud's pull request payloads carry a 12-character prefix.
    commit = models.CharField(max_length=64)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    pull_request_id = models.PositiveIntegerField(null=True, blank=True)
    delivery = models.ForeignKey("projects.WebhookDelivery", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="prebuilds")
    # When the provider saw the push: a later push to the same ref supersedes a queued prebuild.
    pushed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=PrebuildState.choices, default=PrebuildState.QUEUED)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it failed, stopped or was superseded.")
    exit_code = models.IntegerField(null=True, blank=True)
    output = models.TextField(blank=True)
    output_truncated = models.BooleanField(default=False)
    attempt = models.PositiveSmallIntegerField(default=1)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="Who last cancelled or re-ran it.")
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_progress_at = models.DateTimeField(null=True, blank=True, help_text="The agent's last word on it.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "commit"], name="one_prebuild_per_commit")]
        indexes = [
            models.Index(fields=["project", "-queued_at"], name="prebuild_list"),
            models.Index(fields=["state", "last_progress_at"], name="prebuild_active",
                         condition=Q(state__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.short_commit} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("prebuild_detail", args=[self.organization.slug, self.project_id, self.pk])

    @property
    def short_commit(self) -> str:
        return self.commit[:12]

    @property
    def branch(self) -> str:
        return self.ref.removeprefix("refs/heads/")

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def duration_seconds(self) -> int | None:
        if self.started_at is None:
            return None
        return int(((self.finished_at or timezone.now()) - self.started_at).total_seconds())


# integrations.providers.build_status.STATES, as Bitbucket words them.
STATUS_STATES = [("in_progress", "In progress"), ("successful", "Successful"), ("failed", "Failed"),
                 ("stopped", "Stopped")]


class PostState(models.TextChoices):
    PENDING = "pending", "Waiting to be posted"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Could not be posted"


class CommitStatus(models.Model):
    """One build status posted to the provider at one transition, in order. Posting never changes the
    prebuild's own state; a failure to post is recorded here and shown on the prebuild page."""

    prebuild = models.ForeignKey(Prebuild, on_delete=models.CASCADE, related_name="commit_statuses")
    state = models.CharField(max_length=16, choices=STATUS_STATES)
    description = models.CharField(max_length=255, blank=True)
    post_state = models.CharField(max_length=10, choices=PostState.choices, default=PostState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "commit statuses"
        indexes = [models.Index(fields=["post_state", "created_at"], name="commit_status_pending",
                                condition=Q(post_state="pending"))]

    def __str__(self) -> str:
        return f"{self.state} for {self.prebuild_id} ({self.post_state})"
