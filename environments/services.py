"""New environment: parse the pasted URL, find the user's connection for its host on the runner, resolve it
as the user, mint a clone credential sealed to the runner, and hand the request to the runner's agent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from environments.models import EnvironmentRequest, EnvironmentState
from integrations.connections.clone_credentials import (
    CloneCredentialUnavailable,
    api_auth_for,
    clone_credential_for,
)
from integrations.connections.services import ConnectionBroken
from integrations.context.base import ContextUrl, ContextUrlError
from integrations.context.known_hosts import known_hosts_list
from integrations.context.parsing import parse_context_url
from integrations.context.resolution import ContextNotFound, ResolvedContext
from integrations.context.services import context_resolve
from integrations.models import Connection, ScmIntegration
from integrations.providers import PROVIDERS
from integrations.providers.http import Forbidden, ProviderError, Unauthorized
from integrations.providers.protocol import NotSupportedYet
from portal.audit import audit_record
from portal.errors import ApplicationError, Conflict, Unavailable, ValidationFailed
from runners import services as runner_services
from runners.agent.clone_credential import seal_clone_credential
from runners.models import Runner
from runners.protocol import jobs as protocol
from runners.sealing import runner_sealing_key

logger = logging.getLogger(__name__)


class NeedsConnection(ApplicationError):
    """The user has no healthy connection for the URL's host on the runner: Connect first, then try again."""

    code = "needs_connection"
    http_status = 409

    def __init__(self, message: str, *, integration: ScmIntegration) -> None:
        super().__init__(message, fields={"url": [message]})
        self.integration = integration


def _url_error(message: str) -> ValidationFailed:
    return ValidationFailed(f"url: {message}", fields={"url": [message]})


@dataclass(frozen=True)
class Target:
    context: ContextUrl
    integration: ScmIntegration
    connection: Connection | None


def environment_target(*, runner: Runner, user, url: str) -> Target:
    """What the URL is and which of the runner's integrations serves it; the user's connection may be missing."""
    try:
        context = parse_context_url(url, known_hosts=known_hosts_list(org=runner.organization))
    except ContextUrlError as exc:
        raise _url_error(exc.message) from None
    unsupported = _not_resolvable_yet(context.provider)
    if unsupported:
        raise _url_error(unsupported)
    integration = (ScmIntegration.objects.filter(runner=runner, provider=context.provider, host=context.host)
                   .select_related("runner", "organization").first())
    if integration is None:
        label = _provider_name(context.provider)
        raise _url_error(f"The runner {runner.name} has no repository access to {label} at {context.host}. "
                         "An org admin can add it under Configure repository access.")
    connection = Connection.objects.filter(user=user, integration=integration).first()
    return Target(context=context, integration=integration, connection=connection)


def provider_names(*, resolvable: bool) -> list[str]:
    """The providers whose URLs open environments (or not yet), by name, for the page and its messages."""
    return [p.spec.name for p in PROVIDERS.values() if (p.context_reader is not None) == resolvable]


def _not_resolvable_yet(provider_id: str) -> str:
    """Why a URL of this provider cannot open an environment yet ("" when it can): said before anything else,
    so nobody is asked to configure or connect a provider first only to be refused afterwards."""
    provider = PROVIDERS.get(provider_id)
    if provider is None or provider.context_reader is not None:
        return ""
    return (f"Environments are Bitbucket-only for now: the portal recognises this {provider.spec.name} URL but "
            f"cannot look it up at {provider.spec.label} yet. Paste a {' or '.join(provider_names(resolvable=True))} "
            "URL.")


def _provider_name(provider_id: str) -> str:
    provider = PROVIDERS.get(provider_id)
    return provider.spec.name if provider else provider_id


def _needs_connection(integration: ScmIntegration, why: str) -> NeedsConnection:
    label = integration.spec.label
    return NeedsConnection(f"{why} Connect your {label} account on runner {integration.runner.name}, then continue.",
                           integration=integration)


def _resolve(target: Target) -> ResolvedContext:
    integration, connection = target.integration, target.connection
    if connection is None:
        raise _needs_connection(integration, f"You have not connected {integration.spec.label} at "
                                             f"{integration.host} yet.")
    if not connection.is_healthy:
        raise _needs_connection(integration, f"Your {integration.spec.label} connection is "
                                             f"{connection.get_status_display().lower()}.")
    try:
        return context_resolve(context=target.context, connection=connection)
    except ContextNotFound as exc:
        raise _url_error(exc.message) from None
    except NotSupportedYet as exc:
        raise _url_error(str(exc)) from None
    except (ConnectionBroken, Unauthorized) as exc:
        detail = exc.message if isinstance(exc, ConnectionBroken) else "It was refused."
        raise _needs_connection(integration, f"Your {integration.spec.label} connection no longer works: {detail}") \
            from None
    except Forbidden:
        raise _url_error(f"Your {integration.spec.label} account may not read {target.context.owner}/"
                         f"{target.context.repo}.") from None
    except ProviderError as exc:
        logger.info("Resolving a context URL failed: %s", exc)
        raise Unavailable(f"{integration.spec.label} did not answer ({type(exc).__name__}); try again in a "
                          "moment.") from None


def environment_request_create(*, runner: Runner, user, url: str) -> EnvironmentRequest:
    """Raises ValidationFailed (naming `url` or `runner`), NeedsConnection, or Unavailable; writes nothing then."""
    if not runner.has_public_key:
        message = f"The runner {runner.name} has not registered its agent yet."
        raise ValidationFailed(f"runner: {message}", fields={"runner": [message]})
    target = environment_target(runner=runner, user=user, url=url)
    resolved = _resolve(target)
    connection = target.connection
    try:
        credential = clone_credential_for(connection=connection)
    except CloneCredentialUnavailable as exc:
        raise _needs_connection(target.integration, str(exc)) from None
    context = resolved.context
    now = timezone.now()
    pickup = timedelta(seconds=settings.ENVIRONMENT_PICKUP_SECONDS)
    with transaction.atomic():
        request = EnvironmentRequest.objects.create(
            organization=runner.organization, runner=runner, user=user, integration=target.integration,
            url=context.url, provider=context.provider, host=context.host, owner=context.owner, repo=context.repo,
            kind=context.kind, ref=resolved.ref or "", ref_type=resolved.ref_type, commit=resolved.commit,
            path=context.path or "", default_branch=resolved.default_branch,
            pull_request=resolved.pull_request, pull_request_title=resolved.pull_request_title[:500],
            issue=resolved.issue, issue_title=resolved.issue_title[:500], suggested_branch=resolved.suggested_branch,
            clone_url=context.clone_url, git_author_name=connection.git_author_name or connection.display_name,
            git_author_email=connection.git_author_email or user.email, pickup_deadline=now + pickup,
            created_at=now)
        purpose = f"environment:{request.pk}"
        expires_at = credential.expires_at.isoformat() if credential.expires_at else None
        # The runner's hybrid (post-quantum) key when its agent registered one, as for client secrets.
        key = runner_sealing_key(runner)
        sealed = seal_clone_credential(key.public_key, runner_id=runner.pk, purpose=purpose, suite=key.suite,
                                       username=credential.username, password=credential.password,
                                       expires_at=expires_at)
        payload = protocol.EnvironmentPayload(
            environment_request_id=request.pk, purpose=purpose, provider=request.provider,
            repository=request.repository, clone_url=request.clone_url, ref=request.ref, ref_type=request.ref_type,
            commit=request.commit, commit_api_url=resolved.commit_api_url, api_auth=api_auth_for(connection),
            git_author_name=request.git_author_name, git_author_email=request.git_author_email,
            sealed_credential=sealed.to_text(), pull_request=request.pull_request or 0,
            suggested_branch=request.suggested_branch, report_path=f"environments/{request.pk}/report")
        request.job = runner_services.runner_job_create(runner=runner, kind=protocol.JobKind.ENVIRONMENT,
                                                        payload=protocol.encode(payload),
                                                        timeout=pickup.total_seconds())
        request.save(update_fields=["job"])
        audit_record(organization=runner.organization, actor=user, action="environment.requested", target=request,
                     after={"runner": runner.name, "repository": request.repository, "ref": request.ref,
                            "commit": request.commit, "url": request.url})
    return request


FINAL_STATES = (EnvironmentState.STARTED, EnvironmentState.FAILED)


@transaction.atomic
def environment_request_report(*, runner: Runner, request_id: int, state: str, reason: str = "",
                               detail: str = "") -> EnvironmentRequest:
    """The agent's word on a request of its own runner; another runner's request does not exist for it.
    A repeated report of the same outcome changes nothing; a different one after the end is a conflict."""
    request = EnvironmentRequest.objects.select_for_update().filter(pk=request_id, runner=runner).first()
    if request is None:
        raise Http404("No such environment request.")
    if request.state in FINAL_STATES:
        if request.state == state:
            return request
        raise Conflict(f"This environment request already {request.state}.", code="environment_finished")
    now = timezone.now()
    request.state = state
    request.reason = reason[:2000] if state == EnvironmentState.FAILED else ""
    request.detail = detail[:2000]
    request.picked_up_at = request.picked_up_at or now
    request.finished_at = now
    request.save(update_fields=["state", "reason", "detail", "picked_up_at", "finished_at"])
    return request
