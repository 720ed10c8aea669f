from __future__ import annotations

from celery import shared_task

from runners import services


@shared_task(ignore_result=True)
def purge_runner_jobs() -> int:
    """Expire jobs abandoned by a portal process that died while waiting, and delete week-old rows."""
    return services.runner_jobs_purge()
