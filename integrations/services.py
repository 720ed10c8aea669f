"""Writes to repository access (ScmIntegration), keyword arguments in. The dialog, the admin inline and
the API reach these through `integrations.submit`, after the form and the host check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.models import ScmIntegration
from integrations.models.integration import SECRET_REJECTED, oauth_key_for
from portal.audit import audit_change, audit_record
from portal.errors import ValidationFailed
from runners.models import Runner
from runners.protocol.sealing import client_secret_document, sealing_info
from runners.sealing import SealedForRunner, seal_for_runner


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
        # Provider options are settings (organization, tenant, workspace), never secrets.
        "options": dict(integration.options or {}),
    }


# No names: every variable here and in the sealing code below it is hidden from error reports.
@sensitive_variables()
def _seal_secret(integration: ScmIntegration, secret: str) -> None:
    runner = integration.runner
    # The runner's hybrid key when its agent registered one: the portal seals post-quantum when it can.
    sealed = seal_for_runner(
        runner=runner,
        plaintext=client_secret_document(client_id=integration.client_id, client_secret=secret,
                                         token_url=integration.token_url, client_auth=integration.spec.client_auth),
        info=sealing_info(runner.pk, integration.pk),
    )
    integration.client_secret_sealed = sealed.to_text()
    integration.sealed_key_fingerprint = sealed.key_fingerprint
    integration.secret_updated_at = timezone.now()


@sensitive_variables("client_secret")
def _store(integration: ScmIntegration, *, actor, client_secret: str, before: dict,
           client_secret_sealed: SealedForRunner | None = None) -> ScmIntegration:
    is_new = integration.pk is None
    integration.updated_by = actor if getattr(actor, "pk", None) else None
    if is_new:
        integration.created_by = integration.updated_by
    integration.save()
    if client_secret_sealed is not None:
        # Sealed by the caller to the row's stable key (the form checked what the portal can check).
        integration.client_secret_sealed = client_secret_sealed.to_text()
        integration.sealed_key_fingerprint = client_secret_sealed.key_fingerprint
        integration.secret_updated_at = timezone.now()
        integration.save(update_fields=["client_secret_sealed", "sealed_key_fingerprint", "secret_updated_at"])
    elif client_secret:
        # Sealed after the first save: the row's id is bound into the seal's info.
        _seal_secret(integration, client_secret)
        integration.save(update_fields=["client_secret_sealed", "sealed_key_fingerprint", "secret_updated_at"])
    runner = integration.runner
    after = integration_summary(integration)
    if (client_secret or client_secret_sealed) and not is_new:
        # Whether it was replaced, never what with; a save that left the secret alone says nothing of it.
        after["client_secret_replaced"] = True
    if client_secret_sealed:
        after.update(sealed_by="caller", suite=client_secret_sealed.blob.suite)
    (audit_record if is_new else audit_change)(
        organization=runner.organization,
        actor=actor,
        action="integration.created" if is_new else "integration.updated",
        target=integration,
        target_label=f"{integration.spec.name} on {runner.name}",
        before=before,
        after=after,
    )
    return integration


# The transaction is a `with` block, not the decorator: the decorator's frame would hold the keyword
# arguments (the secret among them) where sensitive_variables cannot name them.
@sensitive_variables("client_secret")
def integration_create(
    *,
    runner: Runner | None,
    actor,
    provider: str,
    host: str,
    oauth_enabled: bool,
    pat_enabled: bool,
    client_id: str = "",
    client_secret: str = "",
    client_secret_sealed: SealedForRunner | None = None,
    optional_scopes: Sequence[str] = (),
    options: Mapping[str, str] | None = None,
    server_version: str = "",
) -> ScmIntegration:
    """Add a provider to a runner: the row, then the secret sealed to the runner with the row's id bound in."""
    if runner is None:
        raise ValidationFailed("Save the runner first, then configure its repository access.")
    integration = ScmIntegration(
        runner=runner, organization_id=runner.organization_id, provider=provider, host=host,
        oauth_enabled=oauth_enabled, pat_enabled=pat_enabled, client_id=client_id,
        optional_scopes=list(optional_scopes), server_version=server_version, options=dict(options or {}),
        # Derived here, never read from the request: the dialog showed this same URL before saving.
        oauth_key=oauth_key_for(runner_id=runner.pk, provider=provider, host=host),
    )
    with transaction.atomic():
        return _store(integration, actor=actor, client_secret=client_secret, before={},
                      client_secret_sealed=client_secret_sealed)


@sensitive_variables("client_secret")
def integration_update(
    *,
    integration: ScmIntegration,
    actor,
    host: str,
    oauth_enabled: bool,
    pat_enabled: bool,
    client_id: str = "",
    client_secret: str = "",
    client_secret_sealed: SealedForRunner | None = None,
    optional_scopes: Sequence[str] = (),
    options: Mapping[str, str] | None = None,
    server_version: str = "",
) -> ScmIntegration:
    """Change a provider's settings; an empty `client_secret` keeps the sealed one, an empty
    `server_version` the last one read."""
    with transaction.atomic():
        row = ScmIntegration.objects.select_for_update().select_related("runner__organization").get(
            pk=integration.pk)
        before = integration_summary(row)
        row.host, row.oauth_enabled, row.pat_enabled, row.client_id = host, oauth_enabled, pat_enabled, client_id
        row.optional_scopes = list(optional_scopes)
        if options is not None:
            # The form cleaned every declared option (keeping the saved ones where not shown): the whole set.
            row.options = dict(options)
        row.server_version = server_version or row.server_version
        return _store(row, actor=actor, client_secret=client_secret, before=before,
                      client_secret_sealed=client_secret_sealed)


def integration_secret_reject(*, integration: ScmIntegration, reason: str) -> None:
    """The runner's agent could not open (or use) the sealed secret: it needs re-entry. Only if the blob is
    still the one that was tried; a secret replaced in the meantime stays."""
    updated = ScmIntegration.objects.filter(
        pk=integration.pk, client_secret_sealed=integration.client_secret_sealed
    ).exclude(sealed_key_fingerprint=SECRET_REJECTED).update(sealed_key_fingerprint=SECRET_REJECTED)
    integration.sealed_key_fingerprint = SECRET_REJECTED
    if updated:
        audit_record(organization=integration.organization, actor=None,
                     actor_label=f"runner agent {integration.runner.name}", action="integration.secret_rejected",
                     target=integration, target_label=f"{integration.spec.name} on {integration.runner.name}",
                     after={"reason": reason[:300]})


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
