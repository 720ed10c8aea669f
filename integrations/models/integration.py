from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from integrations.providers import PROVIDER_CHOICES, Provider, ProviderSpec, get_provider
from runners.protocol.sealing import SealedBlob, SealError
from runners.sealing import suite_label


def new_oauth_key() -> str:
    """Rows created before keys were derived (and the migration's default) keep a random one."""
    return secrets.token_hex(8)


def oauth_key_for(*, runner_id: int, provider: str, host: str) -> str:
    """The key in an integration's callback URL, derived on the server and never taken from the browser.

    The same runner, provider and (normalized) host always give the same key, so the URL an admin copies
    from the dialog before saving is the one that works after saving, however often the dialog is
    reopened or the provider switched; a removed and re-added integration keeps its URL too. Keyed with
    the secret key, so nobody can compute another org's callback path from its runner id.
    """
    value = f"{runner_id}\n{provider}\n{host}"
    return salted_hmac("integrations.oauth_key", value, algorithm="sha256").hexdigest()[:16]


# Written over `sealed_key_fingerprint` when the runner's agent reported that the sealed secret does not
# open (or names another token URL or client): no key has this fingerprint, so the secret needs re-entry.
SECRET_REJECTED = "rejected-by-runner"


class SecretState(models.TextChoices):
    NOT_NEEDED = "not-needed", "Not needed (OAuth off)"
    WAITING_FOR_RUNNER = "waiting-for-runner", "Waiting for the runner to register"
    MISSING = "missing", "Not set"
    SET = "set", "Set"
    NEEDS_REENTRY = "needs-reentry", "Needs re-entry (the runner's key changed)"


class ScmIntegration(models.Model):
    """One provider on one runner: the "Configure repository access" dialog.

    The client secret is sealed to the runner's public key; the portal cannot open it.
    """

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="integrations")
    runner = models.ForeignKey("runners.Runner", on_delete=models.CASCADE, related_name="integrations")
    provider = models.CharField(max_length=32, choices=PROVIDER_CHOICES)
    host = models.CharField(max_length=255, help_text="Base URL, with a context path if any.")
    oauth_enabled = models.BooleanField("Enable OAuth", default=True)
    pat_enabled = models.BooleanField("Enable personal access tokens", default=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret_sealed = models.TextField(blank=True, editable=False)
    # The runner key the secret was sealed to; a rotated key makes the secret unreadable.
    sealed_key_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    secret_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Names this integration in its OAuth login and callback URLs (allauth's sub-provider id).
    oauth_key = models.CharField(max_length=32, unique=True, default=new_oauth_key, editable=False)
    optional_scopes = models.JSONField(default=list, blank=True)
    server_version = models.CharField(max_length=32, blank=True, editable=False)
    # Provider-specific settings the provider package declares and validates (e.g. a Bitbucket Cloud
    # workspace slug, a GitHub Enterprise API prefix); one JSON column instead of a column per provider.
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["runner", "provider", "host"]
        verbose_name = "repository access"
        verbose_name_plural = "repository access"
        constraints = [
            models.UniqueConstraint(fields=["runner", "provider", "host"], name="one_provider_host_per_runner"),
        ]

    def __str__(self) -> str:
        return f"{self.spec.name} ({self.host}) on {self.runner_id and self.runner.name}"

    @property
    def scm_provider(self) -> Provider:
        """The registered provider object for `provider` (its id): spec, client, identity, probe."""
        return get_provider(self.provider)

    @property
    def place(self) -> str:
        """Where it is, for messages: the host of a self-hosted instance, else the provider's name."""
        return self.host if self.spec.host_editable else self.spec.label

    @property
    def spec(self) -> ProviderSpec:
        return self.scm_provider.spec

    @property
    def scopes(self) -> list[str]:
        return self.spec.required_scopes() + [s for s in self.optional_scopes if s]

    @property
    def client_secret_set(self) -> bool:
        return bool(self.client_secret_sealed)

    @property
    def secret_state(self) -> str:
        if not self.oauth_enabled:
            return SecretState.NOT_NEEDED
        if not self.runner.has_public_key:
            return SecretState.WAITING_FOR_RUNNER
        if not self.client_secret_sealed:
            return SecretState.MISSING
        if self.sealed_key_fingerprint not in self.runner.key_fingerprints:
            return SecretState.NEEDS_REENTRY
        return SecretState.SET

    @property
    def secret_rejected(self) -> bool:
        return self.sealed_key_fingerprint == SECRET_REJECTED

    @property
    def sealed_by_caller(self) -> bool:
        return bool(self.sealed_blob and self.sealed_blob.integration_key)

    @property
    def sealed_blob(self) -> SealedBlob | None:
        try:
            return SealedBlob.from_text(self.client_secret_sealed) if self.client_secret_sealed else None
        except SealError:
            return None

    @property
    def sealed_suite(self) -> str:
        """The suite named beside the ciphertext ("" when no secret is sealed)."""
        blob = self.sealed_blob
        return blob.suite if blob else ""

    @property
    def sealed_suite_label(self) -> str:
        return suite_label(self.sealed_suite) if self.client_secret_sealed else ""

    @property
    def oauth_ready(self) -> bool:
        return self.oauth_enabled and bool(self.client_id) and self.secret_state == SecretState.SET

    @property
    def callback_url(self) -> str:
        return callback_url_for(self.oauth_key)

    @property
    def token_url(self) -> str:
        return self.scm_provider.token_url(self.host, self.options or {})

    @property
    def authorize_url(self) -> str:
        return self.scm_provider.authorize_url(self.host, self.options or {})

    def grant_extras(self) -> dict[str, str]:
        """What the provider's token endpoint wants beside the standard grant (Entra: the scopes)."""
        return self.scm_provider.grant_extras(scopes=self.scopes, options=self.options or {})


# allauth's sub-provider callback route (integrations/oauth/urls.py, name "scm_oauth_callback").
CALLBACK_PATH = "/accounts/scm/{key}/login/callback/"


def callback_url_for(oauth_key: str) -> str:
    return settings.PORTAL_BASE_URL + CALLBACK_PATH.format(key=oauth_key)
