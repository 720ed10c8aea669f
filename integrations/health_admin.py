"""The operators' connection health page (Django admin, staff only): counts by status and by provider
host, the last sweeps, the beat schedules, and each host's requests in flight right now."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.template.response import TemplateResponse
from django_celery_beat.models import PeriodicTask

from integrations.models import Connection, SweepRun
from integrations.models.connection import Status, status_badge
from integrations.providers import host_limits

HEALTH_TASKS = ("integrations.tasks.", "integrations.projects.tasks.", "runners.tasks.")
MAX_HOSTS = 50


def connection_health_view(request):
    by_status = dict(Connection.objects.values_list("status").annotate(n=Count("id")).order_by())
    statuses = [{"status": s, "label": s.label, "count": by_status.get(s.value, 0), "badge": status_badge(s)}
                for s in Status]
    hosts: dict[tuple[str, str], dict] = {}
    rows = (Connection.objects.values("integration__provider", "integration__host", "status")
            .annotate(n=Count("id")).order_by("integration__provider", "integration__host"))
    for row in rows:
        key = (row["integration__provider"], row["integration__host"] or "")
        entry = hosts.setdefault(key, {"provider": key[0], "host": key[1], "total": 0, "broken": 0, "counts": {}})
        entry["total"] += row["n"]
        entry["counts"][row["status"]] = row["n"]
        if row["status"] not in (Status.ACTIVE, Status.EXPIRING, Status.PENDING):
            entry["broken"] += row["n"]
    sweeps = list(SweepRun.objects.all()[:20])
    last_verify = next((run for run in sweeps if run.kind == SweepRun.Kind.VERIFY), None)
    schedules = [task for task in PeriodicTask.objects.select_related("interval", "crontab").order_by("name")
                 if task.task.startswith(HEALTH_TASKS)]
    context = {
        **admin.site.each_context(request),
        "title": "Connection health",
        "statuses": statuses,
        "total": sum(by_status.values()),
        "hosts": list(hosts.values())[:MAX_HOSTS],
        "sweeps": sweeps,
        "last_verify": last_verify,
        "schedules": schedules,
        "cap": host_limits.default_limiter().cap if host_limits.default_limiter() else None,
    }
    return TemplateResponse(request, "admin/integrations/connection_health.html", context)
