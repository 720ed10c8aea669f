"""Reads of projects and deliveries, always within one org (another org's project is a 404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import Connection
from integrations.projects.models import Project, WebhookDelivery
from integrations.providers import PROJECT_PROVIDER_IDS, get_provider
from portal.models import Organization

# The list and the log never load delivery bodies (up to 1 MiB each).
LOG_FIELDS = ("id", "project_id", "delivery_id", "event_key", "kind", "summary", "signature_ok", "status",
              "received_at", "processed_at", "processing_ms", "attempts", "runs", "result", "error",
              "redelivered_at")


def project_list(*, org: Organization) -> QuerySet[Project]:
    return (Project.objects.filter(organization=org)
            .select_related("runner", "integration", "connection__user").order_by("name", "repository", "pk"))


def project_get(*, org: Organization, project_id: int) -> Project:
    return get_object_or_404(
        Project.objects.select_related("runner", "integration", "connection__user", "organization", "created_by"),
        pk=project_id, organization=org)


def webhook_delivery_list(*, project: Project) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(project=project).only(*LOG_FIELDS).order_by("-received_at", "-id")


def webhook_delivery_get(*, project: Project, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery.objects.select_related("project"), pk=delivery_id, project=project)


def connection_list_for_projects(*, org: Organization, user) -> QuerySet[Connection]:
    """The user's own connections (to providers with projects) in this org and the org's shared ones: what the
    picker can browse."""
    return (Connection.objects.filter(Q(user=user, shared=False) | Q(shared=True), organization=org,
                                      integration__provider__in=PROJECT_PROVIDER_IDS)
            .select_related("integration__runner").order_by("integration__runner__name", "integration__provider"))


def connection_providers_without_projects(*, org: Organization, user) -> list[str]:
    """The names of providers the user is connected to in this org whose connections the picker cannot
    offer yet (projects and webhooks are Bitbucket-only for now), so the page can say why they are missing."""
    ids = (Connection.objects.filter(Q(user=user, shared=False) | Q(shared=True), organization=org)
           .exclude(integration__provider__in=PROJECT_PROVIDER_IDS)
           .order_by().values_list("integration__provider", flat=True).distinct())
    return sorted(get_provider(i).spec.name for i in ids)


def connection_get_own_for_project(*, org: Organization, user, project: Project) -> Connection | None:
    """The user's own connection to the project's integration, or None (Reinstall adopts it)."""
    return connection_list_for_projects(org=org, user=user).filter(integration=project.integration).first()
