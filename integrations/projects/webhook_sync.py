"""Install, check and remove a project's webhook at the provider. Celery tasks call these.

Idempotent by construction: every run lists the repository's hooks first and adopts the one whose
URL is this project's receiver URL (updating its events, active flag and secret), creating a hook
only when none points here. The project row is locked (SELECT ... FOR UPDATE) for the whole
list-then-write, so twenty concurrent installs make one hook, and a retry after a timed-out create
that did succeed finds that hook instead of adding a second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from integrations.connections.services import ConnectionBroken, ConnectionTransientError, connection_refresh
from integrations.models import Connection, ScmIntegration
from integrations.models.connection import Method
from integrations.projects.clients import client_for_connection
from integrations.projects.models import Project, WebhookState
from integrations.projects.remote_hooks import HookApi, RemoteHook
from integrations.providers.http import (
    BadRequest,
    Forbidden,
    Gone,
    InsufficientScope,
    NotFound,
    ProviderError,
    RateLimited,
    Unauthorized,
)
from integrations.providers.projects import ProjectSupport
from integrations.webhooks.parsing import webhook_format
from portal.audit import audit_record
from portal.crypto import DecryptionFailed

logger = logging.getLogger(__name__)


class WebhookTransientError(Exception):
    """The provider (or the runner refreshing a token) cannot answer now: retry with backoff."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class WebhookFailed(Exception):
    """Retrying cannot help until someone acts (scope, permission, reconnect); the project says why."""


@dataclass
class SyncOutcome:
    action: str  # created | updated | unchanged
    problems: list[str] = field(default_factory=list)  # what the check found wrong, in words
    hook_id: str = ""


def _support(integration: ScmIntegration) -> ProjectSupport:
    support = integration.scm_provider.projects
    if support is None:
        raise WebhookFailed(f"Projects are Bitbucket-only for now: {integration.spec.name} has no "
                            "webhook support yet.")
    return support


def wanted_events(project: Project) -> list[str]:
    return list(webhook_format(project.integration.provider).subscribed_events)


def failure_message(exc: Exception, project: Project) -> tuple[bool, str]:
    """(transient, what to tell the admin in plain words) for a failure talking to the provider."""
    support = project.integration.scm_provider.projects
    label = project.integration.spec.label
    user = project.connection.username if project.connection_id and project.connection else "the connection's user"
    if isinstance(exc, InsufficientScope):
        scope = support.webhook_scope if support else "webhook"
        return False, (f"Missing scope: the connection was not granted the {scope} scope, which installing webhooks "
                       f"needs. Enable it for the OAuth app in Configure repository access, reconnect, then "
                       f"Reinstall.")
    if isinstance(exc, Forbidden):
        need = support.admin_right if support else "admin rights"
        return False, (f"Not an admin: {user} lacks {need} on {project.repository} in {label}, which installing "
                       f"a webhook needs. Ask a repository admin, or connect as one, then Reinstall.")
    if isinstance(exc, Unauthorized):
        return False, (f"{label} rejected the connection's token (expired or revoked). Reconnect on the "
                       f"Connections page, then Reinstall.")
    if isinstance(exc, NotFound | Gone):
        return False, (f"The repository {project.repository} was not found in {label}: it was deleted or renamed, "
                       f"or the connection can no longer see it.")
    if isinstance(exc, RateLimited):
        return True, f"{label} is rate limiting requests; the portal will retry."
    if isinstance(exc, BadRequest):
        return False, f"{label} refused the webhook: {exc.detail}"
    if isinstance(exc, ProviderError):
        # A self-hosted instance is named by its URL, a SaaS by its name.
        host = project.integration.host if project.integration.spec.host_editable else label
        return True, f"Host unreachable: {host} did not answer ({exc.detail})."
    if isinstance(exc, DecryptionFailed):
        return False, "The connection's token cannot be decrypted (the key ring changed). Reconnect, then Reinstall."
    return False, str(exc)


def _usable_connection(project: Project) -> Connection:
    connection = project.connection
    if connection is None:
        raise WebhookFailed("No connection: the account that installed the webhook was disconnected. "
                            "Reinstall to use your own connection.")
    if connection.integration_id != project.integration_id:
        raise WebhookFailed("The project's connection belongs to another provider; reinstall with a connection "
                            "to this repository's provider.")
    return connection


def _fresh_token(connection: Connection, *, rejected: str | None = None) -> Connection:
    """Refresh an OAuth token through the runner when due (or when the provider just rejected it).

    Runs outside any transaction: the runner agent only sees committed jobs."""
    if connection.method != Method.OAUTH or not connection.refresh_token:
        return connection
    try:
        return connection_refresh(connection_id=connection.pk, rejected_access_token=rejected)
    except ConnectionTransientError as exc:
        raise WebhookTransientError(f"Could not refresh the connection's token now: {exc.message}") from None
    except ConnectionBroken as exc:
        raise WebhookFailed(f"The connection's token could not be refreshed: {exc.message}") from None
    except Exception as exc:  # the refresh path crosses the runner channel: never let it crash a sweep
        logger.exception("Refreshing connection %s failed", connection.pk)
        raise WebhookTransientError(f"Could not refresh the connection's token now ({type(exc).__name__}).") from None


class HookMissing(Exception):
    """The hook was gone at the provider and putting it back failed with `error`."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _sync_hooks(api: HookApi, project: Project, *, force_update: bool) -> SyncOutcome:
    url, events, secret = project.receiver_url, wanted_events(project), project.webhook_secret
    ours = api.ours(url)
    if not ours:
        try:
            created = api.create(url=url, events=events, secret=secret)
        except ProviderError as exc:
            if project.webhook_id:
                raise HookMissing(exc) from None
            raise
        problem = ["deleted at the provider"] if project.webhook_id else []
        return SyncOutcome("created", problem, created.id)
    keep: RemoteHook = next((h for h in ours if h.id == project.webhook_id), ours[0])
    for extra in ours:
        if extra.id != keep.id:  # someone made a second one by hand, or an old bug did: one is enough
            api.delete(extra.id)
    problems = []
    if not keep.active:
        problems.append("deactivated")
    if keep.events != frozenset(events):
        problems.append("its events were changed")
    if keep.secret_set is False:
        problems.append("its secret was removed")
    if len(ours) > 1:
        problems.append(f"{len(ours) - 1} duplicate(s) removed")
    if problems or force_update:
        updated = api.update(keep.id, url=url, events=events, secret=secret)
        return SyncOutcome("updated", problems, updated.id or keep.id)
    return SyncOutcome("unchanged", [], keep.id)


def _record_success(project: Project, outcome: SyncOutcome, *, actor, repair: bool) -> None:
    before = {"webhook_state": project.webhook_state, "webhook_id": project.webhook_id}
    now = timezone.now()
    project.webhook_state = WebhookState.ACTIVE
    project.webhook_error = ""
    project.webhook_id = outcome.hook_id
    project.webhook_events = wanted_events(project)
    project.webhook_checked_at = now
    if outcome.action != "unchanged" or project.webhook_installed_at is None:
        project.webhook_installed_at = now
    project.save(update_fields=["webhook_state", "webhook_error", "webhook_id", "webhook_events",
                                "webhook_checked_at", "webhook_installed_at", "updated_at"])
    after = {"webhook_state": project.webhook_state, "webhook_id": project.webhook_id, "action": outcome.action}
    if repair and outcome.problems:
        audit_record(organization=project.organization, actor=actor, action="project.webhook_repaired",
                     target=project, target_label=project.repository, before=before,
                     after={**after, "problems": ", ".join(outcome.problems)})
    elif before["webhook_state"] != WebhookState.ACTIVE:
        audit_record(organization=project.organization, actor=actor, action="project.webhook_installed",
                     target=project, target_label=project.repository, before=before, after=after)


def _record_failure(project: Project, message: str, *, state: str, actor) -> None:
    changed = project.webhook_state != state
    before = {"webhook_state": project.webhook_state}
    project.webhook_state = state
    project.webhook_error = message
    project.webhook_checked_at = timezone.now()
    project.save(update_fields=["webhook_state", "webhook_error", "webhook_checked_at", "updated_at"])
    if changed and state in (WebhookState.FAILED, WebhookState.MISSING):
        audit_record(organization=project.organization, actor=actor, action=f"project.webhook_{state}",
                     target=project, target_label=project.repository, before=before,
                     after={"webhook_state": state, "error": message})


def _classify(failure: Exception, project: Project) -> tuple[bool, str]:
    if isinstance(failure, WebhookTransientError):
        return True, failure.message
    if isinstance(failure, WebhookFailed):
        return False, str(failure)
    return failure_message(failure, project)


def _record_and_build_error(project: Project, failure: Exception, *, repair: bool, actor,
                            final_attempt: bool) -> Exception:
    """Record why on the (locked) project and return the error to raise once that is committed."""
    missing = isinstance(failure, HookMissing)
    transient, message = _classify(failure.error if missing else failure, project)
    if missing:
        state = WebhookState.MISSING
        message = f"The webhook was deleted in Bitbucket and could not be reinstalled: {message}"
    elif transient and not final_attempt:
        state = project.webhook_state  # retries remain: keep the state, show the latest error
    elif transient and repair:
        state = project.webhook_state  # could not look: the hook is probably still there
        message = f"Last check failed: {message}"
    else:
        state = WebhookState.FAILED
    if transient and not final_attempt:
        message = f"{message} Retrying."
    _record_failure(project, message, state=state, actor=actor)
    logger.info("Webhook of project %s: %s", project.pk, message)
    if transient:
        retry_after = getattr(failure.error if missing else failure, "retry_after", None)
        return WebhookTransientError(message, retry_after=retry_after)
    return WebhookFailed(message)


def _run(project_id: int, *, repair: bool, actor=None, final_attempt: bool = True) -> SyncOutcome:
    """Install (repair=False: always re-send events and secret) or check (repair=True: fix what differs)."""
    project = Project.objects.select_related("integration", "connection", "organization").get(pk=project_id)
    rejected: str | None = None
    for attempt in (1, 2):
        failure: Exception | None = None
        connection: Connection | None = None
        try:
            connection = _fresh_token(_usable_connection(project), rejected=rejected)
        except (WebhookFailed, WebhookTransientError) as exc:
            failure = exc
        retry_with_fresh_token = False
        error: Exception | None = None
        with transaction.atomic():
            locked = (Project.objects.select_for_update(of=("self",))
                      .select_related("integration", "organization", "connection").get(pk=project_id))
            if failure is None and connection is not None:
                try:
                    with client_for_connection(connection) as client:
                        api = HookApi(client, locked.repository, _support(locked.integration))
                        outcome = _sync_hooks(api, locked, force_update=not repair)
                except Unauthorized as exc:
                    if attempt == 1 and connection.method == Method.OAUTH and connection.refresh_token:
                        retry_with_fresh_token = True  # maybe revoked early: refresh once, then retry
                        rejected = connection.access_token
                    else:
                        failure = exc
                except (ProviderError, DecryptionFailed, HookMissing) as exc:
                    failure = exc
                else:
                    _record_success(locked, outcome, actor=actor, repair=repair)
                    return outcome
            if failure is not None:
                error = _record_and_build_error(locked, failure, repair=repair, actor=actor,
                                                final_attempt=final_attempt)
        if error is not None:
            raise error  # after the block: what was recorded is committed
        if not retry_with_fresh_token:
            break
        project = Project.objects.select_related("integration", "connection", "organization").get(pk=project_id)
    raise WebhookFailed("The webhook could not be installed.")


def webhook_install(*, project_id: int, actor=None, final_attempt: bool = True) -> SyncOutcome:
    """Make the project's hook exist with our events, active flag and secret (created once, then reused)."""
    return _run(project_id, repair=False, actor=actor, final_attempt=final_attempt)


def webhook_check(*, project_id: int, actor=None, final_attempt: bool = True) -> SyncOutcome:
    """Self-healing: reinstall a hook that was deleted, deactivated, or whose events were changed."""
    return _run(project_id, repair=True, actor=actor, final_attempt=final_attempt)


def webhook_remove(*, connection_id: int | None, repository: str, receiver_url: str) -> int:
    """Delete the hooks pointing at a deleted project's receiver URL; a hook already gone is success.

    Only hooks whose URL is the project's are touched, whatever id the project had recorded.

    Returns how many hooks were deleted. Transient failures raise WebhookTransientError (retry)."""
    connection = (Connection.objects.select_related("integration").filter(pk=connection_id).first()
                  if connection_id else None)
    if connection is None:
        logger.warning("Cannot remove the webhook of %s: its connection is gone", repository)
        return 0
    connection = _fresh_token(connection)
    try:
        with client_for_connection(connection) as client:
            api = HookApi(client, repository, _support(connection.integration))
            return sum(api.delete(hook.id) for hook in api.ours(receiver_url))
    except NotFound:
        return 0  # the repository itself is gone: so is its hook
    except (RateLimited, ProviderError) as exc:
        if isinstance(exc, Unauthorized | Forbidden | BadRequest):
            logger.warning("Cannot remove the webhook of %s: %s", repository, exc)
            return 0
        raise WebhookTransientError(str(exc), retry_after=getattr(exc, "retry_after", None)) from None
