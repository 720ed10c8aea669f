"""Writes to repository access. The dialog, the admin inline and the API all come through here."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.forms import ScmIntegrationForm
from integrations.models import ScmIntegration
from integrations.models.integration import oauth_key_for
from portal.audit import audit_record
from portal.errors import ValidationFailed
from runners.agent.sealing import seal_client_secret


def integration_summary(integration: ScmIntegration) -> dict:
    """What the audit trail records: settings, never the secret (only whether one is set)."""
    return {
        "provider": integration.provider,
        "host": integration.host,
        "oauth_enabled": integration.oauth_enabled,
        "pat_enabled": integration.pat_enabled,
        "client_id": integration.client_id,
        "client_secret_set": integration.client_secret_set,
        "optional_scopes": list(integration.optional_scopes or []),
    }


# No names: every variable here and in the sealing code below it is hidden from error reports.
@sensitive_variables()
def _seal_secret(integration: ScmIntegration, secret: str) -> None:
    runner = integration.runner
    blob = seal_client_secret(
        runner.public_key,
        runner_id=runner.pk,
        integration_id=integration.pk,
        client_id=integration.client_id,
        client_secret=secret,
        token_url=integration.token_url,
        client_auth=integration.spec.client_auth,
    )
    integration.client_secret_sealed = blob.to_text()
    integration.sealed_key_fingerprint = runner.key_fingerprint
    integration.secret_updated_at = timezone.now()


@sensitive_variables("secret")
@transaction.atomic
def integration_save(*, form: ScmIntegrationForm, actor) -> ScmIntegration:
    """Save a validated form: the row, then the secret sealed to the runner with the row's id bound in."""
    if not form.is_valid():
        raise ValidationFailed.from_form(form)
    runner = form.runner
    if runner is None:
        raise ValidationFailed("Save the runner first, then configure its repository access.")
    is_new = form.instance.pk is None
    before = integration_summary(ScmIntegration.objects.get(pk=form.instance.pk)) if not is_new else {}
    integration: ScmIntegration = form.save(commit=False)
    integration.runner = runner
    integration.organization_id = runner.organization_id
    integration.server_version = form.server_version or integration.server_version
    integration.updated_by = actor if getattr(actor, "pk", None) else None
    if is_new:
        integration.created_by = integration.updated_by
        # Derived here, never read from the request: the dialog showed this same URL before saving.
        integration.oauth_key = oauth_key_for(runner_id=runner.pk, provider=integration.provider,
                                              host=integration.host)
    integration.save()
    secret = form.cleaned_data.get("client_secret")
    if secret:
        # Sealed after the first save: the row's id is bound into the seal's info.
        _seal_secret(integration, secret)
        integration.save(update_fields=["client_secret_sealed", "sealed_key_fingerprint", "secret_updated_at"])
    audit_record(
        organization=runner.organization,
        actor=actor,
        action="integration.created" if is_new else "integration.updated",
        target=integration,
        target_label=f"{integration.spec.name} on {runner.name}",
        before=before,
        after={**integration_summary(integration), "secret_replaced": bool(secret) and not is_new},
    )
    return integration


@transaction.atomic
def integration_delete(*, integration: ScmIntegration, actor) -> int:
    """Remove repository access; returns how many user connections went with it."""
    dependent = integration.connections.count()
    audit_record(
        organization=integration.organization,
        actor=actor,
        action="integration.deleted",
        target=integration,
        target_label=f"{integration.spec.name} on {integration.runner.name}",
        before={**integration_summary(integration), "connections": dependent},
    )
    integration.delete()
    return dependent
