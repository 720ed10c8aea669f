"""Celery tasks for prebuilds. Thin: load ids, call a service, own the retry policy."""

from __future__ import annotations

import logging
import random

from celery import shared_task

from integrations.prebuilds import statuses, sweep
from integrations.prebuilds.models import Prebuild

logger = logging.getLogger(__name__)

STATUS_POST_MAX_RETRIES = 8


def _backoff(retries: int, retry_after: int | None) -> int:
    """429 Retry-After wins; otherwise 5 s doubling to 5 minutes, with jitter."""
    if retry_after is not None:
        return retry_after
    base = min(300, 5 * 2**retries)
    return base + random.randint(0, base // 4)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def commit_status_post_task(self, prebuild_id: int) -> None:
    # Eagerly (the demo) a retry would run at once inside the request: one attempt, the sweep does the rest.
    eager = bool(self.request.is_eager)
    final = self.request.retries >= STATUS_POST_MAX_RETRIES and not eager
    try:
        statuses.commit_statuses_post(prebuild_id=prebuild_id, final_attempt=final)
    except Prebuild.DoesNotExist:
        pass
    except statuses.StatusPostDeferred as exc:
        if eager:
            return
        raise self.retry(countdown=_backoff(self.request.retries, exc.retry_after),
                         max_retries=STATUS_POST_MAX_RETRIES) from None


@shared_task(ignore_result=True)
def prebuilds_sweep() -> dict:
    return sweep.prebuilds_sweep()
