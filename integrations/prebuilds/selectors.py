"""Reads of prebuilds, always through a project the caller already reached through its org."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from integrations.prebuilds.models import CommitStatus, Prebuild
from integrations.projects.models import Project

# Lists never load output (up to 64 KiB each).
LIST_FIELDS = ("id", "organization_id", "project_id", "ref", "commit", "trigger", "pull_request_id", "state",
               "reason", "attempt", "queued_at", "started_at", "finished_at", "exit_code")


def prebuild_list(*, project: Project) -> QuerySet[Prebuild]:
    return (Prebuild.objects.filter(project=project).only(*LIST_FIELDS)
            .select_related("organization").order_by("-queued_at", "-id"))


def prebuild_get(*, project: Project, prebuild_id: int) -> Prebuild:
    return get_object_or_404(
        Prebuild.objects.select_related("project__runner", "project__integration", "organization", "runner",
                                        "delivery", "requested_by"),
        pk=prebuild_id, project=project)


def commit_status_list(*, prebuild: Prebuild) -> QuerySet[CommitStatus]:
    return CommitStatus.objects.filter(prebuild=prebuild).order_by("id")
