from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EnvironmentState(models.TextChoices):
    PENDING = "pending", "Waiting for the runner"
    STARTING = "starting", "Starting"
    STARTED = "started", "Started"
    FAILED = "failed", "Failed"


class EnvironmentRequest(models.Model):
    """A user's pasted context URL, resolved as them on a runner, handed to the runner's agent.

    The clone credential is never stored here: it is minted when the request is made, sealed to the runner's
    key and travels only in the (encrypted) job payload.
    """

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE,
                                     related_name="environment_requests")
    runner = models.ForeignKey("runners.Runner", on_delete=models.CASCADE, related_name="environment_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="environment_requests")
    integration = models.ForeignKey("integrations.ScmIntegration", null=True, on_delete=models.SET_NULL,
                                    related_name="environment_requests")
    job = models.ForeignKey("runners.RunnerJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.TextField(help_text="The URL as pasted.")
    provider = models.CharField(max_length=32)
    host = models.CharField(max_length=255)
    owner = models.CharField(max_length=255, help_text="Workspace, project key, ~user or group path.")
    repo = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, help_text="What the URL named: repository, branch, tag, commit, ...")
    ref = models.CharField(max_length=255, blank=True)
    ref_type = models.CharField(max_length=16, blank=True, help_text="branch, tag or commit (detached).")
    commit = models.CharField(max_length=64, blank=True)
    path = models.TextField(blank=True)
    default_branch = models.CharField(max_length=255, blank=True)
    pull_request = models.PositiveIntegerField(null=True, blank=True)
    pull_request_title = models.CharField(max_length=500, blank=True)
    issue = models.PositiveIntegerField(null=True, blank=True)
    issue_title = models.CharField(max_length=500, blank=True)
    suggested_branch = models.CharField(max_length=255, blank=True)
    clone_url = models.CharField(max_length=1024)
    git_author_name = models.CharField(max_length=255, blank=True)
    git_author_email = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=EnvironmentState.choices, default=EnvironmentState.PENDING)
    reason = models.TextField(blank=True, help_text="Why it failed, in the runner's or the portal's words.")
    detail = models.TextField(blank=True, help_text="What the environment command reported when it started.")
    pickup_deadline = models.DateTimeField(help_text="A request the runner has not picked up by then has failed.")
    picked_up_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "organization", "-created_at"], name="envreq_user_recent_idx")]

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo} @ {self.ref or self.commit[:12]} on {self.runner_id}"

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def overdue(self) -> bool:
        return self.state == EnvironmentState.PENDING and self.pickup_deadline <= timezone.now()

    @property
    def state_label(self) -> str:
        if self.overdue:
            return "Not picked up"
        return self.get_state_display()
