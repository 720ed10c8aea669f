"""The agent's side of a prebuild: start (get the work and a sealed clone credential), report output and
liveness, finish. Every call is scoped to the calling runner: another runner's prebuild does not exist.

States move only forward, by conditional updates: a late report from an agent the sweep already gave
up on is refused (409), never applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.connections.clone_credentials import (
    CloneCredentialUnavailable,
    api_auth_for,
    clone_credential_for,
)
from integrations.connections.services import ConnectionTransientError
from integrations.prebuilds.models import OUTPUT_LIMIT, Prebuild, PrebuildState
from integrations.prebuilds.statuses import commit_api_url, status_record
from integrations.providers import build_status as bs
from integrations.providers import get_provider
from portal.errors import Conflict, Unavailable
from runners.agent.clone_credential import seal_clone_credential
from runners.models import Runner
from runners.sealing import runner_sealing_key

logger = logging.getLogger(__name__)

FINAL_STATES = {"succeeded": PrebuildState.SUCCEEDED, "failed": PrebuildState.FAILED,
                "cancelled": PrebuildState.CANCELLED}
FINAL_STATUS = {PrebuildState.SUCCEEDED: bs.SUCCESSFUL, PrebuildState.FAILED: bs.FAILED,
                PrebuildState.CANCELLED: bs.STOPPED}
RUNNER_STOPPED = "The runner stopped answering while it ran this prebuild."


def _mine(runner: Runner, prebuild_id: int) -> Prebuild:
    prebuild = (Prebuild.objects.select_related("project__integration", "project__connection__integration",
                                                "project__runner", "organization")
                .filter(pk=prebuild_id, runner=runner).first())
    if prebuild is None:
        raise Http404("No such prebuild for this runner.")
    return prebuild


def purpose(prebuild: Prebuild) -> str:
    return f"prebuild:{prebuild.pk}:{prebuild.attempt}"


@dataclass(frozen=True)
class StartedPrebuild:
    prebuild: Prebuild
    work: dict


def _finish(prebuild: Prebuild, state: str, reason: str, *, exit_code: int | None = None) -> None:
    """Inside a transaction, on a locked row."""
    prebuild.state, prebuild.reason, prebuild.exit_code = state, reason[:500], exit_code
    prebuild.finished_at = timezone.now()
    prebuild.save(update_fields=["state", "reason", "exit_code", "finished_at"])
    description = {PrebuildState.SUCCEEDED: "Prebuild succeeded"}.get(state, reason or state)
    status_record(prebuild=prebuild, state=FINAL_STATUS[state], description=description)


@sensitive_variables("credential", "sealed")
def prebuild_start(*, runner: Runner, prebuild_id: int) -> StartedPrebuild:
    """Queued -> running, and the work for the agent with a clone credential sealed to its key."""
    prebuild = _mine(runner, prebuild_id)
    if prebuild.state != PrebuildState.QUEUED:
        raise Conflict(f"This prebuild is {prebuild.get_state_display().lower()}; there is nothing to run.",
                       code="prebuild_not_queued")
    project = prebuild.project
    # Minted before the state changes: an OAuth refresh goes through this very agent, outside any lock.
    try:
        if project.connection is None:
            raise CloneCredentialUnavailable("The project has no connection to read the repository with.")
        credential = clone_credential_for(connection=project.connection)
        api_auth = api_auth_for(project.connection)
        commit_url = commit_api_url(prebuild)
    except ConnectionTransientError as exc:
        raise Unavailable(f"No clone credential yet: {exc}") from None  # the agent retries the start
    except CloneCredentialUnavailable as exc:
        with transaction.atomic():
            locked = Prebuild.objects.select_for_update(of=("self",)).get(pk=prebuild.pk)
            if locked.state == PrebuildState.QUEUED:
                _finish(locked, PrebuildState.FAILED, f"No credential to read the repository: {exc}")
        raise Conflict(f"No credential to read the repository: {exc}", code="prebuild_no_credential") from None
    key = runner_sealing_key(runner)  # the hybrid key when the agent registered one
    sealed = seal_clone_credential(key.public_key, runner_id=runner.pk, purpose=purpose(prebuild), suite=key.suite,
                                   username=credential.username, password=credential.password,
                                   expires_at=credential.expires_at.isoformat() if credential.expires_at else None)
    with transaction.atomic():
        now = timezone.now()
        taken = Prebuild.objects.filter(pk=prebuild.pk, state=PrebuildState.QUEUED).update(
            state=PrebuildState.RUNNING, started_at=now, last_progress_at=now)
        if not taken:
            raise Conflict("This prebuild was cancelled or superseded meanwhile.", code="prebuild_not_queued")
        prebuild.refresh_from_db()
        status_record(prebuild=prebuild, state=bs.IN_PROGRESS, description=f"Running on {runner.name}")
    work = {
        "prebuild_id": prebuild.pk, "attempt": prebuild.attempt, "purpose": purpose(prebuild),
        "provider": project.provider, "repository": project.repository, "ref": prebuild.ref,
        "commit": prebuild.commit, "trigger": prebuild.trigger, "clone_url": _clone_url(project),
        "commit_api_url": commit_url, "api_auth": api_auth, "sealed_credential": sealed.to_text(),
        "output_limit": OUTPUT_LIMIT, "progress_seconds": settings.PREBUILD_PROGRESS_SECONDS,
    }
    return StartedPrebuild(prebuild=prebuild, work=work)


def _clone_url(project) -> str:
    return get_provider(project.provider).clone_url(web_url=project.web_url or "", repository=project.repository)


def _append(current: str, chunk: str) -> tuple[str, bool]:
    combined = current + chunk
    if len(combined) <= OUTPUT_LIMIT:
        return combined, False
    return combined[-OUTPUT_LIMIT:], True


def prebuild_progress(*, runner: Runner, prebuild_id: int, output: str) -> bool:
    """Append output (the last 64 KiB are kept) and note the agent is alive; True when a cancel is asked."""
    with transaction.atomic():
        prebuild = Prebuild.objects.select_for_update(of=("self",)).filter(pk=prebuild_id, runner=runner).first()
        if prebuild is None:
            raise Http404("No such prebuild for this runner.")
        if prebuild.state != PrebuildState.RUNNING:
            raise Conflict(f"This prebuild is {prebuild.get_state_display().lower()}; stop running it.",
                           code="prebuild_not_running")
        if output:
            prebuild.output, truncated = _append(prebuild.output, output)
            prebuild.output_truncated = prebuild.output_truncated or truncated
        prebuild.last_progress_at = timezone.now()
        prebuild.save(update_fields=["output", "output_truncated", "last_progress_at"])
        return prebuild.cancel_requested_at is not None


def prebuild_complete(*, runner: Runner, prebuild_id: int, state: str, output: str = "",
                      exit_code: int | None = None, reason: str = "") -> Prebuild:
    final = FINAL_STATES[state]
    with transaction.atomic():
        prebuild = Prebuild.objects.select_for_update(of=("self",)).select_related("project").filter(
            pk=prebuild_id, runner=runner).first()
        if prebuild is None:
            raise Http404("No such prebuild for this runner.")
        if prebuild.state != PrebuildState.RUNNING:
            raise Conflict(f"This prebuild is already {prebuild.get_state_display().lower()}.",
                           code="prebuild_not_running")
        if output:
            prebuild.output, truncated = _append(prebuild.output, output)
            prebuild.output_truncated = prebuild.output_truncated or truncated
        prebuild.last_progress_at = timezone.now()
        prebuild.save(update_fields=["output", "output_truncated", "last_progress_at"])
        if not reason:
            reason = {PrebuildState.FAILED: f"The prebuild command exited with {exit_code}.",
                      PrebuildState.CANCELLED: "Cancelled."}.get(final, "")
        _finish(prebuild, final, reason, exit_code=exit_code)
    return prebuild
