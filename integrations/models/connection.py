from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.crypto import decrypt_str, encrypt_str


class Method(models.TextChoices):
    OAUTH = "oauth", "OAuth"
    API_TOKEN = "api-token", "API token"
    ACCESS_TOKEN = "access-token", "Access token"
    HTTP_ACCESS_TOKEN = "http-access-token", "HTTP access token"
    PERSONAL_ACCESS_TOKEN = "personal-access-token", "Personal access token"
    APP_PASSWORD = "app-password", "App password (legacy)"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRING = "expiring", "Expiring"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    INSUFFICIENT_SCOPES = "insufficient-scopes", "Insufficient scopes"
    UNREACHABLE = "unreachable", "Provider unreachable"
    RATE_LIMITED = "rate-limited", "Rate limited"
    PENDING = "pending", "Verifying"


# Statuses the user must act on (reconnect, grant scopes); they are told once per breakage.
BROKEN_STATUSES = frozenset({Status.EXPIRED, Status.REVOKED, Status.INSUFFICIENT_SCOPES})
# Statuses the provider caused; they clear themselves when it answers again.
TRANSIENT_STATUSES = frozenset({Status.UNREACHABLE, Status.RATE_LIMITED})


class Connection(models.Model):
    """One user's account on one integration. Tokens are encrypted with the portal's key ring."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="connections")
    integration = models.ForeignKey("integrations.ScmIntegration", on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    method = models.CharField(max_length=32, choices=Method.choices)
    provider_account_id = models.CharField(max_length=255, blank=True)
    username = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    git_author_name = models.CharField(max_length=255, blank=True)
    git_author_email = models.CharField(max_length=255, blank=True)
    # For API tokens (HTTP Basic): the Atlassian email or user name that goes with the token.
    login = models.CharField(max_length=255, blank=True)
    # Entered once by an org admin for one integration; every member uses it and sees whose it is.
    shared = models.BooleanField(default=False)
    # What the provider called the credential when it was checked (X-Credential-Type, "http-access-token").
    reported_kind = models.CharField(max_length=64, blank=True)
    # What a token that belongs to no user reaches ("repository acme/webapp", "workspace acme").
    resource = models.CharField(max_length=255, blank=True)
    # Advice shown beside the connection (a token reaching every repository, admin rights kept too long).
    warnings = models.JSONField(default=list, blank=True)
    granted_scopes = models.JSONField(default=list, blank=True)
    missing_scopes = models.JSONField(default=list, blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Set when the user has been told about a breakage, so they are told once.
    broken_notified_at = models.DateTimeField(null=True, blank=True)
    # The verify sweep's claim: set when a verify is queued, cleared when it ends. A second sweep skips
    # claimed rows, so two sweeps at once never verify a connection twice.
    verify_queued_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["integration", "user"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "user"], condition=models.Q(shared=False),
                                    name="one_personal_connection_per_user"),
            models.UniqueConstraint(fields=["integration"], condition=models.Q(shared=True),
                                    name="one_shared_connection_per_integration"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            # The verify sweep walks rows by id, oldest verification first within a chunk.
            models.Index(fields=["last_verified_at", "id"], name="connection_verify_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.username or self.user} on {self.integration_id}"

    @property
    def access_token(self) -> str:
        return decrypt_str(self.access_token_encrypted) if self.access_token_encrypted else ""

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = encrypt_str(value) if value else ""

    @property
    def refresh_token(self) -> str:
        return decrypt_str(self.refresh_token_encrypted) if self.refresh_token_encrypted else ""

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = encrypt_str(value) if value else ""

    @property
    def is_healthy(self) -> bool:
        return self.status in (Status.ACTIVE, Status.EXPIRING)

    @property
    def is_broken(self) -> bool:
        return self.status in BROKEN_STATUSES

    @property
    def badge(self) -> str:
        """The badge colour class for the status: ok (works), warn (works, act soon / wait), bad (broken)."""
        return status_badge(self.status)


def status_badge(status: str) -> str:
    if status == Status.ACTIVE:
        return "ok"
    if status in (Status.EXPIRING, Status.PENDING, *TRANSIENT_STATUSES):
        return "warn"
    return "bad"


class SweepRun(models.Model):
    """One run of a beat sweep: what the health page shows operators (last start, duration, errors)."""

    class Kind(models.TextChoices):
        VERIFY = "verify", "Verify connections"
        REFRESH = "refresh", "Refresh due tokens"
        PENDING = "pending", "Verify pending connections"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    queued = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
