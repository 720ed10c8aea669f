"""Reads of repository access (ScmIntegration), always from a runner of an org the user belongs to.

The runner itself comes from `runners.selectors.runner_for_org`."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import ScmIntegration
from integrations.models.connection import Status, status_badge
from runners.models import Runner


def integration_list(*, runner: Runner) -> QuerySet[ScmIntegration]:
    return (
        ScmIntegration.objects.filter(runner=runner)
        .select_related("runner")
        .annotate(connection_count=Count("connections"), **_status_counts())
        .order_by("provider", "host")
    )


def _status_counts() -> dict:
    # Connections by status in the same query (the runner page's health summary).
    return {f"connections_{status.replace('-', '_')}": Count("connections", filter=Q(connections__status=status))
            for status in Status.values}


def integration_health(integration: ScmIntegration) -> list[dict]:
    """The non-zero status counts annotated by `integration_list`, worst first, with their badge colour."""
    order = [Status.REVOKED, Status.EXPIRED, Status.INSUFFICIENT_SCOPES, Status.UNREACHABLE, Status.RATE_LIMITED,
             Status.EXPIRING, Status.PENDING, Status.ACTIVE]
    counts = []
    for status in order:
        n = getattr(integration, f"connections_{status.replace('-', '_')}", 0)
        if n:
            counts.append({"status": status, "label": Status(status).label, "count": n,
                           "badge": status_badge(status)})
    return counts


def integration_get(*, runner: Runner, integration_id: int) -> ScmIntegration:
    return get_object_or_404(
        ScmIntegration.objects.select_related("runner", "organization"), pk=integration_id, runner=runner
    )
