"""Writes to connections: save after OAuth, refresh, verify, disconnect. Views, signals and tasks call these."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.connections.exchange import TokenRequestFailed, request_token
from integrations.connections.health import connection_tell_once, status_set
from integrations.connections.identity import Identity, fetch_identity, missing_scopes
from integrations.models import Connection, ScmIntegration
from integrations.models.connection import Method, Status
from integrations.providers import oauth
from integrations.providers.http import InsufficientScope, ProviderError, RateLimited, Unauthorized
from integrations.providers.in_words import provider_error_in_words
from portal.audit import audit_record
from portal.errors import Conflict, Unavailable

logger = logging.getLogger(__name__)

# Refresh this long before expiry, so a task or request never starts with a token about to die.
REFRESH_MARGIN = timedelta(minutes=10)
# A token that cannot be renewed and dies within this long is "expiring": the user should act.
EXPIRING_WITHIN = timedelta(days=7)


class ConnectionTransientError(Unavailable):
    """The provider or the runner cannot answer now; retry later (429 carries `retry_after`)."""

    code = "connection_transient"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConnectionBroken(Conflict):
    code = "connection_broken"


def _summary(connection: Connection) -> dict:
    return {"method": connection.method, "username": connection.username, "status": connection.status,
            "granted_scopes": list(connection.granted_scopes or [])}


def account_conflict(*, integration: ScmIntegration, user, account_id: str) -> Connection | None:
    """Another portal user of the same org who connected this provider account on this provider host."""
    return (Connection.objects.filter(organization_id=integration.organization_id, provider_account_id=account_id,
                                      integration__provider=integration.provider, integration__host=integration.host,
                                      shared=False)
            .exclude(user=user).select_related("user").first())


def conflict_message(integration: ScmIntegration, username: str) -> str:
    label = integration.spec.label
    return (f"The {label} account {username} is already connected by another user of this organization. "
            f"Sign in to {label} as yourself, or ask them to disconnect it first. Nothing was connected.")


# The transaction is a `with` block: transaction.atomic's decorator frame would hold the tokens as kwds.
@sensitive_variables("access_token", "refresh_token")
def connection_save_oauth(*, integration: ScmIntegration, user, identity: Identity, access_token: str,
                          refresh_token: str, expires_at: datetime | None, scopes: list[str]) -> Connection:
    """Create or replace (in place) the user's OAuth connection on `integration`. Tokens go in encrypted."""
    with transaction.atomic():
        if account_conflict(integration=integration, user=user, account_id=identity.account_id):
            raise Conflict(conflict_message(integration, identity.username))
        connection = (Connection.objects.select_for_update()
                      .filter(integration=integration, user=user, shared=False).first())
        is_new = connection is None
        before = {} if is_new else _summary(connection)
        if is_new:
            connection = Connection(integration=integration, user=user, organization_id=integration.organization_id)
        connection.method = Method.OAUTH
        # What a pasted token left behind does not describe an OAuth connection.
        connection.login, connection.resource, connection.reported_kind, connection.warnings = "", "", "", []
        connection.provider_account_id = identity.account_id
        connection.username = identity.username
        connection.display_name = identity.display_name
        connection.git_author_name = identity.git_author_name
        connection.git_author_email = identity.git_author_email
        connection.access_token = access_token
        if refresh_token:
            connection.refresh_token = refresh_token
        connection.expires_at = expires_at
        connection.granted_scopes = list(scopes)
        connection.missing_scopes = missing_scopes(integration, scopes)
        # "Verifying" until the verify task has looked at the token with the provider.
        connection.status = Status.PENDING
        connection.last_error = ""
        connection.broken_notified_at = None
        connection.save()
        audit_record(organization=integration.organization, actor=user,
                     action="connection.created" if is_new else "connection.reconnected", target=connection,
                     target_label=f"{integration.spec.label} account {identity.username}",
                     before=before, after=_summary(connection))
        return connection


def _needs_refresh(connection: Connection, *, force: bool, rejected_access_token: str | None,
                   within: timedelta = REFRESH_MARGIN) -> bool:
    if rejected_access_token is not None:
        # Someone else already replaced the token the caller saw fail: use theirs.
        return connection.access_token == rejected_access_token
    if force:
        return True
    return connection.expires_at is not None and connection.expires_at <= timezone.now() + within


# SQLite (the demo) takes its one write lock for a whole transaction (BEGIN IMMEDIATE), and the runner's
# answer is written through another database connection: holding a transaction while asking the runner
# ends in "database is locked". The demo has one worker process, so a process lock serialises refreshes.
_sqlite_refresh_lock = threading.Lock()


def _refresh_lock():
    return _sqlite_refresh_lock if db_connection.vendor == "sqlite" else transaction.atomic()


def connection_refresh(*, connection_id: int, force: bool = False, rejected_access_token: str | None = None,
                       within: timedelta = REFRESH_MARGIN) -> Connection:
    """Refresh an OAuth token through the runner, under the connection's row lock, if it expires `within`.

    Two workers refreshing at once: the second waits for the lock, re-reads the row, sees the new
    token and returns it; only one refresh reaches the provider. Rotating refresh tokens make this
    matter: a refresh token works once, so a second upstream refresh would fail and look like a
    revoked connection.
    """
    failure: Exception | None = None
    with _refresh_lock():
        connection = (Connection.objects.select_for_update(of=("self",))
                      .select_related("integration__runner", "integration__organization").get(pk=connection_id))
        if connection.method != Method.OAUTH or not _needs_refresh(connection, force=force, within=within,
                                                                   rejected_access_token=rejected_access_token):
            return connection
        try:
            _refresh_locked(connection, rejected=rejected_access_token is not None)
        except (ConnectionBroken, ConnectionTransientError) as exc:
            # Commit what was recorded (status, last_error) and release the lock before raising.
            failure = exc
    if failure is not None:
        raise failure
    logger.info("Refreshed the OAuth token of connection %s", connection.pk)
    return connection


@sensitive_variables()
def _refresh_locked(connection: Connection, *, rejected: bool = False) -> None:
    used_refresh_token = connection.refresh_token
    if not used_refresh_token:
        _mark_broken(connection, Status.EXPIRED, "The token expired and the provider gave no refresh token. Reconnect.")
        raise ConnectionBroken(connection.last_error)
    try:
        grant = {**oauth.refresh_grant(refresh_token=used_refresh_token), **connection.integration.grant_extras()}
        _, token = request_token(connection.integration, grant)
    except TokenRequestFailed as exc:
        if exc.transient:
            connection.last_error = exc.message
            connection.save(update_fields=["last_error", "updated_at"])
            raise ConnectionTransientError(exc.message) from None
        # Coder's lesson: before calling the connection broken, re-read it. A rotating refresh
        # token may have been used by a writer that did not take this lock (a reconnect).
        current = Connection.objects.get(pk=connection.pk)
        if current.refresh_token != used_refresh_token:
            connection.refresh_from_db()
            return
        # The provider refused the access token before its expiry and now the refresh token too: the
        # user (or an admin) revoked the app's access. A dead grant alone is an expired one.
        before_expiry = connection.expires_at is not None and connection.expires_at > timezone.now()
        revoked = not exc.dead_grant or (rejected and before_expiry)
        _mark_broken(connection, Status.REVOKED if revoked else Status.EXPIRED, f"{exc.message} Reconnect to continue.")
        raise ConnectionBroken(connection.last_error) from None
    connection.access_token = token.access_token
    if token.refresh_token:  # rotated: the old one is spent, keep the new one
        connection.refresh_token = token.refresh_token
    connection.expires_at = timezone.now() + timedelta(seconds=token.expires_in) if token.expires_in else None
    if token.scopes:
        connection.granted_scopes = list(token.scopes)
        connection.missing_scopes = missing_scopes(connection.integration, token.scopes)
    if connection.status in (Status.EXPIRED, Status.EXPIRING):
        connection.status = Status.ACTIVE
    connection.last_error = ""
    connection.save()


def _mark_broken(connection: Connection, status: str, message: str) -> None:
    status_set(connection, status)
    connection.last_error = message
    connection.last_verified_at = timezone.now()  # a real answer from the provider
    connection.save(update_fields=["status", "status_changed_at", "last_error", "last_verified_at", "updated_at"])
    connection_tell_once(connection)


def connection_verify(*, connection_id: int, author_email: bool = True, _retried: bool = False) -> Connection:
    """Ask the provider who the token is and what it may do; classify the connection.

    401 means invalid (expired if past its expiry, else revoked); 403 for a scope means
    insufficient scopes; 429 and 5xx are transient and change nothing but `last_error` (the task
    marks "rate limited" / "unreachable" only once its retries are spent). A refresh that fails
    transiently while the token still works leaves the connection "expiring", not broken.

    `author_email=False` (the health sweep) keeps the git author address already on record instead of
    asking for it again: on Bitbucket Cloud and GitHub that is a second request per connection, and the
    sweep's cost on the provider is what the per-host cap rations. Connect, Test and a connection
    without an address still ask.
    """
    connection = Connection.objects.select_related("integration__runner").get(pk=connection_id)
    if connection.method != Method.OAUTH:
        from integrations.connections.tokens import connection_verify_token

        return connection_verify_token(connection)
    refresh_problem = ""
    if connection.method == Method.OAUTH and _needs_refresh(connection, force=False, rejected_access_token=None):
        try:
            connection = connection_refresh(connection_id=connection.pk)
        except ConnectionBroken:
            return Connection.objects.get(pk=connection.pk)
        except ConnectionTransientError as exc:
            refresh_problem = f"Could not renew the token ({exc}); it still works until it expires."
    integration = connection.integration
    now = timezone.now()
    ask_email = author_email or not connection.git_author_email
    try:
        identity = fetch_identity(integration, connection.access_token, connection.granted_scopes or (),
                                  author_email=ask_email)
    except RateLimited as exc:
        Connection.objects.filter(pk=connection.pk).update(last_error=str(exc))
        raise ConnectionTransientError(str(exc), retry_after=exc.retry_after) from None
    except Unauthorized as exc:
        if connection.method == Method.OAUTH and connection.refresh_token and not _retried:
            try:
                connection_refresh(connection_id=connection.pk, rejected_access_token=connection.access_token)
            except ConnectionBroken:
                return Connection.objects.get(pk=connection.pk)
            return connection_verify(connection_id=connection.pk, author_email=author_email, _retried=True)
        expired = connection.expires_at is not None and connection.expires_at <= now
        _mark_broken(connection, Status.EXPIRED if expired else Status.REVOKED, str(exc))
        return connection
    except InsufficientScope as exc:
        status_set(connection, Status.INSUFFICIENT_SCOPES)
        connection.missing_scopes = list(exc.missing_scopes) or connection.missing_scopes
        connection.last_error = str(exc)
        connection.last_verified_at = now
        connection.save(update_fields=["status", "status_changed_at", "missing_scopes", "last_error",
                                       "last_verified_at", "updated_at"])
        connection_tell_once(connection)
        return connection
    except ProviderError as exc:
        message = provider_error_in_words(exc, integration.place)
        Connection.objects.filter(pk=connection.pk).update(last_error=message)
        raise ConnectionTransientError(message) from None
    missing = missing_scopes(integration, identity.scopes)
    connection.granted_scopes = list(identity.scopes)
    connection.missing_scopes = missing
    if missing:
        status_set(connection, Status.INSUFFICIENT_SCOPES)
        connection.last_error = f"Missing scopes: {', '.join(missing)}. Reconnect and grant them."
    else:
        # A user-made token (PAT, API token) dying within a week needs a new one; an OAuth token is
        # renewed by refresh, and without a refresh token only its last minutes are worth a warning.
        window = REFRESH_MARGIN if connection.method == Method.OAUTH else EXPIRING_WITHIN
        dies_soon = connection.expires_at is not None and not connection.refresh_token and \
            connection.expires_at <= now + window
        status_set(connection, Status.EXPIRING if dies_soon or refresh_problem else Status.ACTIVE)
        connection.last_error = refresh_problem
    connection.git_author_name = identity.git_author_name or connection.git_author_name
    if ask_email:  # else the identity's address is a stand-in (GitHub's no-reply one), not an answer
        connection.git_author_email = identity.git_author_email or connection.git_author_email
    connection.display_name = identity.display_name or connection.display_name
    connection.last_verified_at = now
    connection.verify_queued_at = None  # done: a sweep's claim ends with this write rather than one more
    connection.save()
    connection_tell_once(connection)
    return connection


@transaction.atomic
def connection_disconnect(*, connection: Connection, actor) -> None:
    """Remove the connection and its allauth account link.

    Neither Bitbucket Cloud nor Bitbucket Server offers an OAuth token revocation endpoint, so the
    tokens are forgotten here; users revoke the app's access in their Bitbucket account settings.
    """
    from allauth.socialaccount.models import SocialAccount

    integration = connection.integration
    if connection.method == Method.OAUTH and not connection.shared:
        SocialAccount.objects.filter(provider=integration.oauth_key, user=connection.user).delete()
    audit_record(organization=integration.organization, actor=actor, action="connection.deleted",
                 target=connection, target_label=f"{integration.spec.label} account {connection.username}",
                 before=_summary(connection))
    connection.delete()
