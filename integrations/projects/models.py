"""Project (an org's repository on a runner, with its webhook and prebuild settings) and WebhookDelivery
(what the hook sent). Prebuilds live in their own app, `integrations.prebuilds`.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.crypto import decrypt_str, encrypt_str


def new_webhook_secret() -> str:
    # 43 url-safe characters: well inside Bitbucket Cloud's 128-character limit for hook secrets.
    return secrets.token_urlsafe(32)


class WebhookState(models.TextChoices):
    INSTALLING = "installing", "Installing"
    ACTIVE = "active", "Active"
    FAILED = "failed", "Failed"
    MISSING = "missing", "Missing"


class Project(models.Model):
    """One repository of an org, reached through one integration (runner x provider), with its webhook.

    The webhook secret is random per project, encrypted at rest and never shown: it only signs deliveries.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="projects")
    runner = models.ForeignKey("runners.Runner", on_delete=models.CASCADE, related_name="projects")
    integration = models.ForeignKey("integrations.ScmIntegration", on_delete=models.CASCADE,
                                    related_name="projects")
    # Whose credential installs and checks the hook; a disconnect leaves the project asking for another.
    connection = models.ForeignKey("integrations.Connection", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="projects")
    name = models.CharField(max_length=255)
    # Cloud "<workspace>/<slug>", Server "<PROJECTKEY>/<slug>" (personal projects "~USER/<slug>"),
    # as the provider spells it.
    repository = models.CharField(max_length=255)
    remote_id = models.CharField(max_length=64, blank=True, help_text="The provider's id of the repository.")
    web_url = models.CharField(max_length=500, blank=True)
    prebuilds = models.BooleanField(default=True, help_text="Pushes queue prebuilds.")
    # Glob patterns (fnmatch), comma or newline separated; empty means the repository's default branch.
    prebuild_branches = models.CharField(max_length=500, blank=True,
                                         help_text="Branches whose pushes are built, e.g. main, release/*. "
                                                   "Empty: the default branch.")
    prebuild_pull_requests = models.BooleanField(default=True,
                                                 help_text="Pull requests opened or updated build their source "
                                                           "commit.")
    default_branch = models.CharField(max_length=255, blank=True,
                                      help_text="The repository's default branch, as the provider said.")

    webhook_state = models.CharField(max_length=16, choices=WebhookState.choices, default=WebhookState.INSTALLING)
    webhook_error = models.TextField(blank=True)
    webhook_id = models.CharField(max_length=64, blank=True, help_text="The hook's id at the provider.")
    webhook_events = models.JSONField(default=list, blank=True)
    webhook_secret_encrypted = models.TextField(editable=False)
    webhook_installed_at = models.DateTimeField(null=True, blank=True)
    webhook_checked_at = models.DateTimeField(null=True, blank=True)
    # Deliveries refused for a missing or wrong signature: counted, never stored.
    refused_deliveries = models.PositiveIntegerField(default=0)
    last_refused_at = models.DateTimeField(null=True, blank=True)

    # What processing a push left behind (until prebuilds exist, the visible effect of a push).
    last_push_ref = models.CharField(max_length=255, blank=True)
    last_push_commit = models.CharField(max_length=64, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "repository"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "repository"], name="one_project_per_repository"),
        ]
        indexes = [models.Index(fields=["webhook_checked_at"], name="project_webhook_checked")]

    def __str__(self) -> str:
        return self.repository

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.organization.slug, self.pk])

    @property
    def webhook_secret(self) -> str:
        return decrypt_str(self.webhook_secret_encrypted)

    @webhook_secret.setter
    def webhook_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = encrypt_str(value)

    @property
    def provider(self) -> str:
        return self.integration.provider

    @property
    def receiver_url(self) -> str:
        return receiver_url_for(self.uuid)


def receiver_url_for(project_uuid: uuid.UUID | str) -> str:
    """Where the provider posts deliveries: public, no session, authenticated by the signature."""
    return settings.PORTAL_BASE_URL + reverse("webhook_receiver", args=[str(project_uuid)])


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # stored, waiting for a worker
    PROCESSING = "processing", "Processing"  # claimed by a worker
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"  # valid, but not an event the portal acts on
    FAILED = "failed", "Failed"


# Rows the relay may still have to hand to a worker.
PENDING_STATUSES = (DeliveryStatus.RECEIVED, DeliveryStatus.PROCESSING)


class WebhookDelivery(models.Model):
    """Every signed delivery received, committed before the provider gets its answer.

    `enqueued_at` is the outbox mark: NULL means no worker has been asked yet (the broker was down);
    `claimed_at` is the processing claim a conditional UPDATE takes, so a delivery runs once.
    """

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE,
                                     related_name="webhook_deliveries")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=100, help_text="X-Request-UUID (Cloud) or X-Request-Id (Server).")
    event_key = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)  # push | pull_request | ping | ignored
    summary = models.CharField(max_length=500, blank=True)
    event = models.JSONField(null=True, blank=True, help_text="The normalized event.")
    signature_ok = models.BooleanField(default=False)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    body_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    received_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    processing_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Claims taken by workers.")
    runs = models.PositiveSmallIntegerField(default=0, help_text="Completed processing runs (Redeliver adds one).")
    result = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    redelivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["project", "delivery_id"], name="one_delivery_per_id"),
        ]
        indexes = [
            models.Index(fields=["project", "-received_at"], name="delivery_log"),
            models.Index(fields=["status", "enqueued_at"], name="delivery_outbox",
                         condition=Q(status__in=["received", "processing"])),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} {self.delivery_id}"
