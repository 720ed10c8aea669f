"""Reads of repository access and connections, always through an org the user belongs to."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import Connection, ScmIntegration
from portal.models import Organization
from runners.models import Runner


def runner_in_org(org: Organization, runner_id: int) -> Runner:
    return get_object_or_404(Runner, pk=runner_id, organization=org)


def integrations_of_runner(runner: Runner) -> QuerySet[ScmIntegration]:
    return (
        ScmIntegration.objects.filter(runner=runner)
        .select_related("runner")
        .annotate(connection_count=Count("connections"))
        .order_by("provider", "host")
    )


def integration_in_runner(runner: Runner, integration_id: int) -> ScmIntegration:
    return get_object_or_404(
        ScmIntegration.objects.select_related("runner", "organization"), pk=integration_id, runner=runner
    )


def connections_of_user(user, org: Organization) -> QuerySet[Connection]:
    return Connection.objects.filter(user=user, organization=org).select_related("integration", "integration__runner")
