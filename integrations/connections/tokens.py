"""Token connections: a pasted token is checked with the provider first, then stored encrypted; and checked
again whenever the connection is verified. The web dialog, the API and the admin reach these through
`token_form.TokenConnectionForm` and `token_submit`.

A refused token is never stored, and its refusal is said in the user's terms under the field it concerns.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.connections.health import connection_tell_once, status_set
from integrations.models import Connection, ScmIntegration
from integrations.models.connection import Status
from integrations.providers.http import HostRefused, ProviderError
from integrations.providers.in_words import unreachable_in_words
from integrations.providers.protocol import NotSupportedYet, TokenCheck, TokenRejected
from portal.audit import audit_record
from portal.errors import Conflict, Unavailable, ValidationFailed

logger = logging.getLogger(__name__)

# Why a provider refused a token -> what a stored connection becomes when that happens at verification.
# A user-made token that dies within this long is "expiring" (connection health).
EXPIRING_WITHIN = timedelta(days=7)
_STATUS_FOR_REASON = {"expired": Status.EXPIRED, "insufficient_scope": Status.INSUFFICIENT_SCOPES,
                      "too_old": Status.UNREACHABLE, "misconfigured": Status.UNREACHABLE}


class TokenRefused(ValidationFailed):
    code = "token_rejected"


class ProviderUnreachable(Unavailable):
    code = "provider_unreachable"


def _unreachable(integration: ScmIntegration, exc: ProviderError) -> ProviderUnreachable:
    where = integration.place
    if isinstance(exc, HostRefused):
        return ProviderUnreachable(f"{where} resolves to an address the portal may not connect to. Nothing was saved.")
    unreachable = unreachable_in_words(exc, where)
    if unreachable:
        return ProviderUnreachable(f"{unreachable} Nothing was saved.")
    return ProviderUnreachable(f"{where} could not check the token right now (HTTP {exc.status}). Nothing was "
                               "saved; try again in a moment.")


@sensitive_variables("token")
def token_check(*, integration: ScmIntegration, kind: str, login: str, token: str) -> TokenCheck:
    """Ask the provider about the token (network, outside any transaction). Raises TokenRefused (400, naming
    the field) for a token it refuses for good, ProviderUnreachable (503) when it cannot answer now."""
    provider = integration.scm_provider
    try:
        return provider.check_token(host=integration.host, kind=kind, login=login, token=token,
                                    options=dict(integration.options or {}))
    except TokenRejected as exc:
        fields = {"token": [exc.message]}
        if exc.reason == "wrong_login":
            fields["login"] = [exc.message]
        raise TokenRefused(exc.message, fields=fields) from None
    except NotSupportedYet as exc:
        raise ValidationFailed(str(exc), fields={"method": [str(exc)]}) from None
    except ProviderError as exc:
        raise _unreachable(integration, exc) from None


def _summary(connection: Connection) -> dict:
    return {"method": connection.method, "shared": connection.shared, "username": connection.username,
            "resource": connection.resource, "status": connection.status,
            "granted_scopes": list(connection.granted_scopes or [])}


def _label(connection: Connection) -> str:
    who = connection.resource or connection.username or connection.login
    shared = "shared " if connection.shared else ""
    return f"{connection.integration.spec.label} {shared}{connection.get_method_display()} ({who})"


def _apply_check(connection: Connection, check: TokenCheck) -> None:
    identity = check.identity
    if identity is not None:
        connection.provider_account_id = identity.account_id
        connection.username = identity.username
        connection.display_name = identity.display_name
        connection.git_author_name = identity.git_author_name
        connection.git_author_email = identity.git_author_email
    else:
        connection.provider_account_id = ""
        connection.username = check.resource
        connection.display_name = ""
    connection.granted_scopes = list(check.scopes)
    connection.missing_scopes = []
    connection.reported_kind = check.credential_type
    connection.resource = check.resource
    connection.warnings = list(check.warnings)
    # Bitbucket says nothing about a token's expiry; a provider that does fills it in.
    connection.expires_at = check.expires_at
    # A token the provider says dies within a week needs replacing: "expiring", and the page says when.
    dies_soon = check.expires_at is not None and check.expires_at <= timezone.now() + EXPIRING_WITHIN
    connection.status = Status.EXPIRING if dies_soon else Status.ACTIVE
    connection.last_error = ""
    connection.last_verified_at = timezone.now()
    connection.broken_notified_at = None


# The transaction is a `with` block: transaction.atomic's decorator frame would hold the token as kwds.
@sensitive_variables("token")
def connection_save_token(*, integration: ScmIntegration, user, kind: str, login: str, token: str, shared: bool,
                          check: TokenCheck, actor=None) -> Connection:
    """Store a checked token: the user's personal connection (replacing theirs in place) or the integration's
    shared one (replacing the shared one). Encrypted at rest; audited without the token."""
    from integrations.connections.services import account_conflict, conflict_message

    with transaction.atomic():
        account = check.identity.account_id if check.identity else ""
        if account and not shared and account_conflict(integration=integration, user=user, account_id=account):
            raise Conflict(conflict_message(integration, check.identity.username))
        existing = Connection.objects.select_for_update().filter(integration=integration, shared=shared)
        if not shared:
            existing = existing.filter(user=user)
        connection = existing.first()
        is_new = connection is None
        before = {} if is_new else _summary(connection)
        if is_new:
            connection = Connection(integration=integration, organization_id=integration.organization_id,
                                    shared=shared)
        # A shared credential shows whose it is: the admin who entered it last.
        connection.user = user
        connection.method = kind
        connection.login = login
        connection.access_token = token
        connection.refresh_token = ""
        _apply_check(connection, check)
        connection.save()
        action = "connection.created" if is_new else "connection.replaced"
        audit_record(organization=integration.organization, actor=actor or user, action=action, target=connection,
                     target_label=_label(connection), before=before, after=_summary(connection))
    logger.info("Stored a %s connection %s on integration %s", kind, connection.pk, integration.pk)
    return connection


@sensitive_variables("token")
def connection_create_token(*, integration: ScmIntegration, user, kind: str, login: str, token: str,
                            shared: bool = False, actor=None) -> Connection:
    """Check with the provider, then store. Nothing is written when the check fails. `actor` (default `user`)
    is who the audit trail names: an operator entering a token on a member's behalf."""
    check = token_check(integration=integration, kind=kind, login=login, token=token)
    return connection_save_token(integration=integration, user=user, kind=kind, login=login, token=token,
                                 shared=shared, check=check, actor=actor)


def connection_verify_token(connection: Connection) -> Connection:
    """Re-check a pasted token with its provider and classify the connection.

    A refusal marks it (revoked, expired, insufficient scopes, unreachable for an instance too old or
    misconfigured) with the reason; 429, 5xx and timeouts change nothing but `last_error` and raise
    ConnectionTransientError, so a provider's bad minute never breaks a connection."""
    from integrations.connections.services import ConnectionTransientError

    integration = connection.integration
    now = timezone.now()
    try:
        check = integration.scm_provider.check_token(host=integration.host, kind=connection.method,
                                                     login=connection.login, token=connection.access_token,
                                                     options=dict(integration.options or {}))
    except TokenRejected as exc:
        status_set(connection, _STATUS_FOR_REASON.get(exc.reason, Status.REVOKED))
        connection.missing_scopes = list(exc.missing_scopes)
        connection.last_error = exc.message
        connection.last_verified_at = now
        connection.save(update_fields=["status", "status_changed_at", "missing_scopes", "last_error",
                                       "last_verified_at", "updated_at"])
        connection_tell_once(connection)
        return connection
    except ProviderError as exc:
        message = str(_unreachable(integration, exc).message).replace(" Nothing was saved;", "") \
            .replace(" Nothing was saved.", "")
        Connection.objects.filter(pk=connection.pk).update(last_error=message)
        raise ConnectionTransientError(message, retry_after=getattr(exc, "retry_after", None)) from None
    before = connection.status
    _apply_check(connection, check)
    if connection.status != before:
        connection.status_changed_at = now
    connection.save()
    return connection
