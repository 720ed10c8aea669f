"""Reads of repository access (ScmIntegration), always from a runner of an org the user belongs to.

The runner itself comes from `runners.selectors.runner_for_org`."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import ScmIntegration
from runners.models import Runner


def integration_list(*, runner: Runner) -> QuerySet[ScmIntegration]:
    return (
        ScmIntegration.objects.filter(runner=runner)
        .select_related("runner")
        .annotate(connection_count=Count("connections"))
        .order_by("provider", "host")
    )


def integration_get(*, runner: Runner, integration_id: int) -> ScmIntegration:
    return get_object_or_404(
        ScmIntegration.objects.select_related("runner", "organization"), pk=integration_id, runner=runner
    )
