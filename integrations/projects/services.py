"""Writes to projects. The web pages, the API and the Django admin all come through here.

The provider is asked once, before anything is written (`repository_resolve`, an explicit step with
its own errors), and everything slow afterwards (installing, checking, removing the hook) is a
Celery task queued after the commit.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from integrations.models import Connection
from integrations.projects import outbox
from integrations.projects.clients import client_for_connection
from integrations.projects.deliveries import delivery_redeliver
from integrations.projects.models import Project, WebhookDelivery, WebhookState, new_webhook_secret
from integrations.providers.http import Forbidden, Gone, NotFound, ProviderError, Unauthorized
from integrations.providers.projects import ResolvedRepository
from portal.audit import audit_change, audit_record
from portal.errors import Conflict, Unavailable, ValidationFailed
from portal.models import Organization

logger = logging.getLogger(__name__)




def project_summary(project: Project) -> dict:
    """What the audit trail records: never the webhook secret."""
    return {"repository": project.repository, "provider": project.integration.provider,
            "runner": project.runner.name, "prebuilds": project.prebuilds, "webhook_state": project.webhook_state}


def repository_resolve(*, connection: Connection, repository: str) -> ResolvedRepository:
    """Ask the provider for the repository as the connection sees it: its canonical name and ids."""
    support = connection.integration.scm_provider.projects
    label = connection.integration.spec.label
    if support is None:
        message = f"Projects are Bitbucket-only for now; {connection.integration.spec.name} is not supported yet."
        raise ValidationFailed(f"connection: {message}", fields={"connection": [message]})
    try:
        with client_for_connection(connection) as client:
            return support.resolve(client, repository)
    except (NotFound, Gone, Forbidden):
        raise ValidationFailed(f"repository: {repository} does not exist, or your connection cannot see it.",
                               fields={"repository": [f"{repository} does not exist, or your connection "
                                                      "cannot see it."]}) from None
    except Unauthorized:
        raise ValidationFailed(f"connection: {label} rejected your connection's token. Reconnect first.",
                               fields={"connection": [f"{label} rejected this connection's token. "
                                                      "Reconnect first."]}) from None
    except ProviderError as exc:
        raise Unavailable(f"{label} could not be reached to look up {repository}: {exc.detail}") from None


def _queue(task, *args) -> bool:
    """Publish after commit; a broker that is down must not fail the request (the sweep catches up)."""
    try:
        outbox.publish_once(task, args)
    except outbox.BROKER_ERRORS as exc:
        logger.warning("Broker unavailable, %s%s waits for the sweep: %s", task.name, args, type(exc).__name__)
        return False
    return True


def project_create(*, org: Organization, actor, connection: Connection, repository: str,
                   prebuilds: bool = True) -> Project:
    """A project for a repository the actor's connection can see; its webhook is installed by a task."""
    resolved = repository_resolve(connection=connection, repository=repository)
    integration = connection.integration
    try:
        with transaction.atomic():
            if Project.objects.filter(integration=integration, repository__iexact=resolved.full_name).exists():
                raise IntegrityError
            project = Project(organization=org, runner=integration.runner, integration=integration,
                              connection=connection, name=resolved.name, repository=resolved.full_name,
                              remote_id=resolved.remote_id, web_url=resolved.web_url, prebuilds=prebuilds,
                              default_branch=resolved.default_branch[:255],
                              webhook_state=WebhookState.INSTALLING, created_by=actor)
            project.webhook_secret = new_webhook_secret()
            project.save()
            audit_record(organization=org, actor=actor, action="project.created", target=project,
                         target_label=project.repository, after=project_summary(project))
            transaction.on_commit(lambda: _queue(_tasks().webhook_install_task, project.pk, actor.pk))
    except IntegrityError:
        message = f"{resolved.full_name} is already a project on {integration.runner.name}."
        raise Conflict(f"repository: {message}", fields={"repository": [message]}) from None
    return project


def project_update(*, project: Project, actor, prebuilds: bool) -> Project:
    with transaction.atomic():
        before = project_summary(project)
        project.prebuilds = prebuilds
        project.save(update_fields=["prebuilds", "updated_at"])
        audit_change(organization=project.organization, actor=actor, action="project.updated", target=project,
                     target_label=project.repository, before=before, after=project_summary(project))
    return project


def project_webhook_reinstall(*, project: Project, actor, connection: Connection | None = None) -> Project:
    """Run the install task again. Without a usable connection on the project, adopt the actor's own."""
    with transaction.atomic():
        locked = Project.objects.select_for_update(of=("self",)).select_related(
            "integration", "runner", "organization").get(pk=project.pk)
        before = project_summary(locked)
        if connection is not None and connection.integration_id == locked.integration_id:
            locked.connection = connection
        locked.webhook_state = WebhookState.INSTALLING
        locked.webhook_error = ""
        locked.save(update_fields=["connection", "webhook_state", "webhook_error", "updated_at"])
        audit_record(organization=locked.organization, actor=actor, action="project.webhook_reinstall",
                     target=locked, target_label=locked.repository, before=before, after=project_summary(locked))
        actor_id = actor.pk if getattr(actor, "pk", None) else None
        transaction.on_commit(lambda: _queue(_tasks().webhook_install_task, locked.pk, actor_id))
    locked.refresh_from_db()
    return locked


def project_webhook_check(*, project: Project, actor) -> Project:
    """The "Check now" button: the self-healing check for this one project, at once."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    _queue(_tasks().webhook_check_task, project.pk, actor_id)
    project.refresh_from_db()
    return project


def project_delete(*, project: Project, actor) -> None:
    """Delete the project and its delivery log; a task removes its hook at the provider (404 is success)."""
    with transaction.atomic():
        audit_record(organization=project.organization, actor=actor, action="project.deleted", target=project,
                     target_label=project.repository, before=project_summary(project))
        args = (project.connection_id, project.repository, project.receiver_url)
        project.delete()
        transaction.on_commit(lambda: _queue(_tasks().webhook_remove_task, *args))


def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    return delivery_redeliver(delivery=delivery, actor=actor)


def _tasks():
    from integrations.projects import tasks  # tasks import services' neighbours; import late

    return tasks
