"""Processing webhook deliveries exactly once (Celery), and running one again on request (Redeliver).

Recording is `receiving.py`, handing rows to Celery is `relay.py`.

Exactly-once processing: a worker first claims the row with a conditional UPDATE
(`received` -> `processing`, or a `processing` claim older than WEBHOOK_STALE_CLAIM_SECONDS, left by a
worker that died); zero rows updated means someone else has it. The effects and the `processed`
mark then commit together, and only while the row still carries this worker's claim, so a
duplicate message, a redelivery or a stale re-claim never applies a delivery twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.projects import outbox
from integrations.projects.models import DeliveryStatus, Project, WebhookDelivery
from integrations.projects.relay import stale_claim_after
from integrations.webhooks.events import PULL_REQUEST, PUSH
from portal.audit import audit_record

logger = logging.getLogger(__name__)


# --- processing ---------------------------------------------------------------------------------


def _claim(delivery_pk: int) -> datetime | None:
    now = timezone.now()
    claimable = Q(status=DeliveryStatus.RECEIVED) | Q(status=DeliveryStatus.PROCESSING,
                                                      claimed_at__lt=now - stale_claim_after())
    taken = (WebhookDelivery.objects.filter(claimable, pk=delivery_pk)
             .update(status=DeliveryStatus.PROCESSING, claimed_at=now, attempts=F("attempts") + 1))
    return now if taken else None


# What else a processed push or pull request does, registered by other apps (prebuilds, in its
# AppConfig.ready()): each gets the locked project and the delivery inside the processing transaction,
# must be idempotent (a redelivery runs it again), and returns notes for the delivery's result.
DeliveryEffect = Callable[[Project, WebhookDelivery], list[str]]
_effects: list[DeliveryEffect] = []


def delivery_effect_register(effect: DeliveryEffect) -> None:
    if effect not in _effects:
        _effects.append(effect)


def _apply(delivery: WebhookDelivery) -> str:
    """The effects of one delivery; idempotent (a redelivery of an old push never rewinds the project)."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=delivery.project_id)
    summary = _record_push(project, delivery)
    if delivery.kind not in (PUSH, PULL_REQUEST):
        return summary
    notes = [note for effect in _effects for note in effect(project, delivery)]
    return "; ".join([summary, *notes]) if notes else summary


def _record_push(project: Project, delivery: WebhookDelivery) -> str:
    event = delivery.event or {}
    if delivery.kind == PUSH:
        heads = [c for c in event.get("changes", []) if c.get("new") and str(c.get("ref", "")).startswith("refs/")]
        if not heads:
            return delivery.summary or "Push without new commits"
        newest = heads[-1]
        if project.last_push_at is None or delivery.received_at >= project.last_push_at:
            project.last_push_ref, project.last_push_commit = newest["ref"], newest["new"]
            project.last_push_at = delivery.received_at
            project.save(update_fields=["last_push_ref", "last_push_commit", "last_push_at"])
            return delivery.summary
        return f"{delivery.summary} (older than the last push recorded)"
    return delivery.summary or "Nothing to do"


def delivery_process(*, delivery_pk: int) -> bool:
    """Process one delivery if this worker can claim it; True when it did the work."""
    claimed_at = _claim(delivery_pk)
    if claimed_at is None:
        return False
    started = time.monotonic()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(pk=delivery_pk)
        if delivery.status != DeliveryStatus.PROCESSING or delivery.claimed_at != claimed_at:
            return False  # re-claimed by another worker after our claim went stale: theirs now
        delivery.result = _apply(delivery)[:500]
        delivery.status = DeliveryStatus.PROCESSED
        delivery.processed_at = timezone.now()
        delivery.processing_ms = int((time.monotonic() - started) * 1000)
        delivery.runs += 1
        delivery.error = ""
        delivery.save(update_fields=["result", "status", "processed_at", "processing_ms", "runs", "error"])
    return True


def delivery_release(*, delivery_pk: int, error: str, final: bool) -> None:
    """After a failed run: give the row back for a retry, or mark it failed when retries are spent."""
    status = DeliveryStatus.FAILED if final else DeliveryStatus.RECEIVED
    WebhookDelivery.objects.filter(pk=delivery_pk, status=DeliveryStatus.PROCESSING).update(
        status=status, error=error[:2000], claimed_at=None)


# --- redelivery ---------------------------------------------------------------------------------


def delivery_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Run processing again for a finished delivery. Its effects are idempotent; the run is audited."""
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("project").get(pk=delivery.pk)
        if locked.status in (DeliveryStatus.RECEIVED, DeliveryStatus.PROCESSING):
            return locked  # not finished yet: it will run anyway
        before = {"status": locked.status, "runs": locked.runs}
        handled = locked.kind in (PUSH, PULL_REQUEST)
        now = timezone.now()
        locked.redelivered_at = now
        if handled:
            locked.status = DeliveryStatus.RECEIVED
            locked.enqueued_at = None  # for the relay, unless the publish below goes through
            locked.error = ""
        locked.save(update_fields=["redelivered_at", "status", "enqueued_at", "error"])
        audit_record(organization=locked.project.organization, actor=actor, action="webhook_delivery.redelivered",
                     target=locked, target_label=f"{locked.event_key} {locked.delivery_id} on "
                                                 f"{locked.project.repository}",
                     before=before, after={"status": locked.status})
        if handled:
            transaction.on_commit(lambda: _publish_now(locked.pk))
    locked.refresh_from_db()
    return locked


def _publish_now(delivery_pk: int) -> None:
    """An admin pressed Redeliver: do not wait for the relay's next pass when the broker answers."""
    if outbox.enqueue_delivery(delivery_pk):
        WebhookDelivery.objects.filter(pk=delivery_pk, status=DeliveryStatus.RECEIVED,
                                       enqueued_at__isnull=True).update(enqueued_at=timezone.now())
