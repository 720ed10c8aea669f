"""Runners (where environments run, and the only place client secrets are opened) and the work handed to them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from runners.protocol.sealing import key_fingerprint

runner_name_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
    "Use up to 63 letters, digits, dots, hyphens and underscores, starting with a letter or digit.",
)
# Covers AWS (eu-west-1), Google Cloud (europe-west1) and Azure (westeurope) region names.
region_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$",
    "Enter a region name such as eu-west-1, europe-west1 or westeurope (lowercase letters, digits, hyphens).",
)


class RunnerStatus(models.TextChoices):
    PENDING = "pending", "Waiting for registration"
    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"


class Runner(models.Model):
    class Kind(models.TextChoices):
        SELF_HOSTED = "self-hosted", "Self-hosted in a cloud account"
        DESKTOP = "desktop", "Desktop"

    class CloudProvider(models.TextChoices):
        AWS = "aws", "Amazon Web Services"
        GCP = "gcp", "Google Cloud"
        AZURE = "azure", "Microsoft Azure"

    Status = RunnerStatus

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="runners")
    name = models.CharField(max_length=63, validators=[runner_name_validator])
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SELF_HOSTED)
    cloud_provider = models.CharField(max_length=10, choices=CloudProvider.choices, blank=True)
    region = models.CharField(max_length=50, blank=True, validators=[region_validator],
                              help_text="Required for self-hosted runners, e.g. eu-west-1.")
    public_key = models.TextField(blank=True, help_text="Base64 of the raw 32-byte X25519 public key.")
    key_suite = models.CharField(max_length=64, blank=True)
    key_registered_at = models.DateTimeField(null=True, blank=True)
    # A post-quantum hybrid key (ML-KEM-768 + X25519) registered beside the X25519 one: everything the
    # portal seals goes to it when present. Browsers keep sealing to `public_key` (WebCrypto has no ML-KEM).
    hybrid_public_key = models.TextField(blank=True, help_text="Base64 of the raw ML-KEM-768 || X25519 public key.")
    hybrid_key_suite = models.CharField(max_length=64, blank=True)
    # The suites the agent said it can open; empty for agents that predate the field (they open key_suite only).
    opens_suites = models.JSONField(default=list, blank=True)
    # Only hashes of the agent credential and the registration token: the values are shown once.
    credential_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    registration_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    registration_token_expires_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    agent_version = models.CharField(max_length=40, blank=True)
    hostname = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_runner_name_per_org")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.DESKTOP:
            # A desktop runs wherever its owner is; a stale cloud choice from the form means nothing.
            self.cloud_provider = ""
            self.region = ""
            return
        errors = {}
        if not self.cloud_provider:
            errors["cloud_provider"] = "Choose the cloud the runner runs in."
        if not self.region:
            errors["region"] = "Enter the region the runner runs in, e.g. eu-west-1."
        if errors:
            raise ValidationError(errors)

    @property
    def has_public_key(self) -> bool:
        return bool(self.public_key)

    @property
    def status(self) -> str:
        if not self.public_key:
            return RunnerStatus.PENDING
        if self.last_seen_at and timezone.now() - self.last_seen_at <= online_window():
            return RunnerStatus.ONLINE
        return RunnerStatus.OFFLINE

    def get_status_display(self) -> str:
        return RunnerStatus(self.status).label

    @property
    def key_fingerprint(self) -> str:
        return key_fingerprint(self.public_key) if self.public_key else ""

    @property
    def hybrid_key_fingerprint(self) -> str:
        return key_fingerprint(self.hybrid_public_key) if self.hybrid_public_key else ""

    @property
    def key_fingerprints(self) -> frozenset[str]:
        """Every key a secret of this runner may be sealed to; a secret sealed to any other needs re-entry."""
        return frozenset(f for f in (self.key_fingerprint, self.hybrid_key_fingerprint) if f)

    def can_open(self, suite: str) -> bool:
        return suite in (self.opens_suites or [self.key_suite, self.hybrid_key_suite])

    @property
    def registration_token_active(self) -> bool:
        return bool(self.registration_token_hash and self.registration_token_expires_at
                    and self.registration_token_expires_at > timezone.now())


def online_window() -> timedelta:
    return timedelta(seconds=settings.RUNNER_OFFLINE_AFTER_SECONDS)


class RunnerJob(models.Model):
    """One piece of work for a runner's agent. The channel does not know what the work means."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed by the agent"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    runner = models.ForeignKey(Runner, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=64)
    # Encrypted at rest with the portal's key ring: payloads and results may carry tokens.
    payload_encrypted = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    result_encrypted = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["runner", "state", "expires_at"], name="runnerjob_claim_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} on {self.runner_id} ({self.state})"
