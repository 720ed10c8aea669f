"""Celery tasks for projects and webhooks. Thin: load ids, call a service, own the retry policy.

All idempotent: installing twice adopts the hook the first run made; processing is claimed by a
conditional UPDATE; the relay may publish a delivery twice and it still runs once.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections import defaultdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations.projects import deliveries, outbox, relay, webhook_sync
from integrations.projects.models import Project, WebhookDelivery, WebhookState

logger = logging.getLogger(__name__)

INSTALL_MAX_RETRIES = 6
PROCESS_MAX_RETRIES = 5
# The sweep: projects per chunk task, and chunk tasks per provider host (the per-host concurrency cap).
SWEEP_CHUNK = 25
SWEEP_TASKS_PER_HOST = 4
INSTALL_GRACE = timedelta(minutes=10)


def _final(task, max_retries: int) -> bool:
    """The last attempt: retries are spent, or the task runs eagerly (the demo), where a retry would
    re-run at once and raise out of the web request; the sweep and the relay try again later instead."""
    return task.request.retries >= max_retries or bool(task.request.is_eager)


def _backoff(retries: int, retry_after: int | None = None) -> int:
    """429 Retry-After wins; otherwise exponential from 15 s, capped at 10 minutes, with jitter."""
    if retry_after is not None:
        return retry_after
    base = min(600, 15 * 2**retries)
    return base + random.randint(0, base // 4)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def webhook_install_task(self, project_id: int, actor_id: int | None = None) -> None:
    final = _final(self, INSTALL_MAX_RETRIES)
    try:
        webhook_sync.webhook_install(project_id=project_id, actor=_user(actor_id), final_attempt=final)
    except Project.DoesNotExist:
        logger.info("Project %s is gone; nothing to install", project_id)
    except webhook_sync.WebhookFailed:
        pass  # recorded on the project with the reason; retrying cannot help
    except webhook_sync.WebhookTransientError as exc:
        if not final:
            raise self.retry(countdown=_backoff(self.request.retries, exc.retry_after),
                             max_retries=INSTALL_MAX_RETRIES) from None


@shared_task(bind=True, ignore_result=True, acks_late=True)
def webhook_check_task(self, project_id: int, actor_id: int | None = None) -> None:
    """One project's self-healing check (the "Check now" button, and retries of the sweep)."""
    # Failures are recorded on the project; the next sweep looks again.
    with contextlib.suppress(Project.DoesNotExist, webhook_sync.WebhookFailed, webhook_sync.WebhookTransientError):
        webhook_sync.webhook_check(project_id=project_id, actor=_user(actor_id), final_attempt=True)


@shared_task(bind=True, ignore_result=True, acks_late=True)
def webhook_remove_task(self, connection_id: int | None, repository: str, receiver_url: str) -> None:
    try:
        webhook_sync.webhook_remove(connection_id=connection_id, repository=repository, receiver_url=receiver_url)
    except webhook_sync.WebhookTransientError as exc:
        if _final(self, INSTALL_MAX_RETRIES):
            logger.warning("Gave up removing the webhook of %s: %s", repository, exc)
            return
        raise self.retry(countdown=_backoff(self.request.retries, exc.retry_after),
                         max_retries=INSTALL_MAX_RETRIES) from None
    except webhook_sync.WebhookFailed as exc:
        logger.warning("Could not remove the webhook of %s: %s", repository, exc)


@shared_task(ignore_result=True, acks_late=True)
def webhook_check_chunk_task(project_ids: list[int]) -> int:
    """Check a chunk of one host's projects one after the other; stop at the first outage of that host."""
    checked = 0
    for project_id in project_ids:
        try:
            webhook_sync.webhook_check(project_id=project_id, final_attempt=True)
        except Project.DoesNotExist:
            continue
        except webhook_sync.WebhookFailed:
            pass
        except webhook_sync.WebhookTransientError:
            logger.info("Host of project %s is not answering; the rest of this chunk waits for the next sweep",
                        project_id)
            break
        except Exception:  # one project's bug must not stop the others' checks
            logger.exception("Checking the webhook of project %s failed", project_id)
            continue
        checked += 1
    return checked


def projects_due_for_check(*, now=None) -> dict[str, list[int]]:
    """Project ids due for a check, grouped by provider host (oldest check first)."""
    now = now or timezone.now()
    # Due when not checked during most of a sweep period, so every sweep looks at every project.
    due_before = now - timedelta(seconds=settings.WEBHOOK_SWEEP_SECONDS * 0.9)
    rows = (Project.objects.filter(Q(webhook_checked_at__isnull=True) | Q(webhook_checked_at__lt=due_before))
            # A project just created is its install task's business; one stuck installing is ours.
            .exclude(webhook_state=WebhookState.INSTALLING, created_at__gt=now - INSTALL_GRACE)
            .order_by("webhook_checked_at", "pk")
            .values_list("pk", "integration__provider", "integration__host"))
    by_host: dict[str, list[int]] = defaultdict(list)
    for pk, provider, host in rows:
        by_host[host or provider].append(pk)
    return by_host


def sweep_plan(by_host: dict[str, list[int]]) -> list[list[int]]:
    """Chunk tasks for a sweep: per host at most SWEEP_TASKS_PER_HOST lanes (its concurrency cap), each a
    round-robin share of that host's projects, one lane per SWEEP_CHUNK projects below the cap."""
    plan = []
    for ids in by_host.values():
        lanes = min(SWEEP_TASKS_PER_HOST, max(1, -(-len(ids) // SWEEP_CHUNK)))
        plan += [ids[lane::lanes] for lane in range(lanes)]
    return [lane for lane in plan if lane]


@shared_task(ignore_result=True)
def webhooks_sweep() -> int:
    """Beat: check every due project's hook, in chunks, at most SWEEP_TASKS_PER_HOST at once per host."""
    plan = sweep_plan(projects_due_for_check())
    for share in plan:
        webhook_check_chunk_task.delay(share)
    return len(plan)


@shared_task(bind=True, ignore_result=True, acks_late=True, soft_time_limit=60, time_limit=90)
def delivery_process_task(self, delivery_pk: int) -> None:
    try:
        deliveries.delivery_process(delivery_pk=delivery_pk)
    except WebhookDelivery.DoesNotExist:
        pass  # the project (and its deliveries) was deleted meanwhile
    except Exception as exc:
        final = _final(self, PROCESS_MAX_RETRIES)
        logger.exception("Processing delivery %s failed", delivery_pk)
        deliveries.delivery_release(delivery_pk=delivery_pk, error=f"{type(exc).__name__}: {exc}", final=final)
        if not final:
            raise self.retry(countdown=_backoff(self.request.retries), max_retries=PROCESS_MAX_RETRIES) from None


@shared_task(ignore_result=True)
def deliveries_relay() -> int:
    """Beat: the relay's safety net (the `webhooks_relay` loop does this continuously)."""
    outbox.reset_breaker()  # this task came through the broker: it answers again
    sent, more = relay.deliveries_relay()
    if more:
        deliveries_relay.delay()
    return sent


@shared_task(ignore_result=True)
def deliveries_purge() -> int:
    """Beat: the delivery log keeps WEBHOOK_DELIVERY_RETENTION_DAYS of history."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).exclude(
        status__in=["received", "processing"]).delete()
    return deleted


def _user(user_id: int | None):
    if user_id is None:
        return None
    from portal.models import User

    return User.objects.filter(pk=user_id).first()
