"""Commit build statuses: one row per transition, posted to the provider in order by a Celery task.

Posting never changes the prebuild's state. A status that cannot be posted (the provider refused it,
or retries ran out) is marked failed with the reason, which the prebuild page shows; the next
transition is still posted. Rows are posted under row locks (NOWAIT): one worker posts a prebuild's
statuses at a time, oldest first, and a second worker that finds them locked leaves them to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from integrations.connections.services import ConnectionBroken, ConnectionTransientError, connection_refresh
from integrations.models.connection import Method
from integrations.prebuilds.models import CommitStatus, PostState, Prebuild
from integrations.projects.clients import client_for_connection
from integrations.providers import build_status as bs
from integrations.providers import get_provider
from integrations.providers.http import ProviderError, ProviderUnavailable, RateLimited

logger = logging.getLogger(__name__)


def _status_api(provider_id: str):
    """The provider's build-status module (`post_build_status`, `commit_api_url`); None without projects."""
    support = get_provider(provider_id).projects
    return support.statuses if support is not None else None


class StatusPostDeferred(Exception):
    """A transient failure (provider 5xx, 429, timeout): the task retries later."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def status_key(prebuild: Prebuild) -> str:
    # One key per project: a newer status for the same commit replaces the older one on the commit page.
    return f"scm-portal-prebuild-{prebuild.project.uuid.hex[:12]}"


def status_record(*, prebuild: Prebuild, state: str, description: str) -> CommitStatus:
    """Record a transition's status; it is posted after the caller's transaction commits."""
    row = CommitStatus.objects.create(prebuild=prebuild, state=state, description=description[:255])
    prebuild_id = prebuild.pk
    transaction.on_commit(lambda: enqueue_post(prebuild_id))
    return row


def enqueue_post(prebuild_id: int) -> bool:
    from integrations.prebuilds import tasks
    from integrations.projects import outbox

    try:
        outbox.publish_once(tasks.commit_status_post_task, (prebuild_id,))
    except outbox.BROKER_ERRORS as exc:  # the sweep posts what is left pending
        logger.warning("Broker unavailable; statuses of prebuild %s wait for the sweep: %s", prebuild_id,
                       type(exc).__name__)
        return False
    return True


@dataclass(frozen=True)
class _Target:
    api: object
    connection_id: int | None
    provider: str
    repository: str
    server_version: str


def _build_status(prebuild: Prebuild, row: CommitStatus) -> bs.BuildStatus:
    return bs.BuildStatus(key=status_key(prebuild), state=row.state, name=f"Prebuild · {prebuild.project.name}",
                          url=settings.PORTAL_BASE_URL + prebuild.get_absolute_url(), description=row.description,
                          ref=prebuild.ref)


def _locked_pending(prebuild_id: int) -> list[CommitStatus] | None:
    rows = CommitStatus.objects.filter(prebuild_id=prebuild_id, post_state=PostState.PENDING).order_by("id")
    if not connection.features.has_select_for_update_nowait:
        return list(rows)  # SQLite (the demo): one eager worker, nothing to race with
    try:
        with transaction.atomic():  # a savepoint: a lock conflict must not poison the outer transaction
            return list(rows.select_for_update(nowait=True))
    except DatabaseError:
        return None


def _connection_for(prebuild: Prebuild):
    project_connection = prebuild.project.connection
    if project_connection is None:
        raise ProviderError("The project has no connection to post with: reinstall its webhook with yours.",
                            provider=prebuild.project.provider)
    if project_connection.method == Method.OAUTH:
        try:
            # Before any row lock: a refresh goes through the runner's agent and needs committed rows.
            return connection_refresh(connection_id=project_connection.pk)
        except ConnectionBroken as exc:
            raise ProviderError(str(exc), provider=prebuild.project.provider) from None
        except ConnectionTransientError as exc:
            raise ProviderUnavailable(str(exc), provider=prebuild.project.provider) from None
    return project_connection


def commit_statuses_post(*, prebuild_id: int, final_attempt: bool) -> int:
    """Post the prebuild's pending statuses, oldest first; the number posted. Raises StatusPostDeferred
    when a transient failure leaves rows pending and this is not the final attempt."""
    prebuild = Prebuild.objects.select_related("project__integration", "project__connection",
                                               "organization").get(pk=prebuild_id)
    api = _status_api(prebuild.project.provider)
    posted = 0
    try:
        project_connection = _connection_for(prebuild) if api is not None else None
    except ProviderError as exc:
        return _fail_pending(prebuild_id, exc, final_attempt)
    with transaction.atomic():
        rows = _locked_pending(prebuild_id)
        if rows is None:
            return 0  # another worker is posting them, in order
        deferred: StatusPostDeferred | None = None
        with (client_for_connection(project_connection) if api is not None else _no_client()) as client:
            for row in rows:
                row.attempts += 1
                if api is None:
                    row.post_state, row.error = PostState.FAILED, "This provider has no build status API here."
                    row.save(update_fields=["post_state", "attempts", "error"])
                    continue
                try:
                    api.post_build_status(client, repository=prebuild.project.repository, commit=prebuild.commit,
                                          status=_build_status(prebuild, row),
                                          server_version=prebuild.project.integration.server_version)
                except (ProviderUnavailable, RateLimited) as exc:
                    row.error = _describe(exc)
                    if not final_attempt:
                        row.save(update_fields=["attempts", "error"])
                        deferred = StatusPostDeferred(row.error, retry_after=getattr(exc, "retry_after", None))
                        break  # later rows wait: statuses reach the provider in order
                    row.post_state = PostState.FAILED
                except ProviderError as exc:
                    row.post_state, row.error = PostState.FAILED, _describe(exc)
                else:
                    row.post_state, row.error, row.posted_at = PostState.POSTED, "", timezone.now()
                    posted += 1
                row.save(update_fields=["post_state", "attempts", "error", "posted_at"])
    if deferred is not None:
        raise deferred
    return posted


class _no_client:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _describe(exc: ProviderError) -> str:
    status = f"HTTP {exc.status}" if exc.status else "no answer"
    return f"{exc.provider} answered {status}: {exc.detail}"[:500]


def _fail_pending(prebuild_id: int, exc: ProviderError, final_attempt: bool) -> int:
    message = str(exc.detail)[:500]
    if isinstance(exc, ProviderUnavailable) and not final_attempt:
        CommitStatus.objects.filter(prebuild_id=prebuild_id, post_state=PostState.PENDING).update(error=message)
        raise StatusPostDeferred(message)
    CommitStatus.objects.filter(prebuild_id=prebuild_id, post_state=PostState.PENDING).update(
        post_state=PostState.FAILED, error=message)
    return 0


def commit_api_url(prebuild: Prebuild) -> str:
    """The commit's API URL, for the agent's demo command (it reads the commit with the clone credential)."""
    api = _status_api(prebuild.project.provider)
    if api is None or prebuild.project.connection is None:
        return ""
    with client_for_connection(prebuild.project.connection) as client:
        return api.commit_api_url(client, repository=prebuild.project.repository, commit=prebuild.commit)
