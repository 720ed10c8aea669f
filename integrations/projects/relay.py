"""The outbox relay: deliveries accepted by the receiver are handed to Celery from here.

Run as a loop (`manage.py webhooks_relay`, one or more processes beside the workers) and on beat
(`deliveries_relay`, every WEBHOOK_RELAY_SECONDS) as a safety net. Each pass takes up to a batch of
due rows with SELECT ... FOR UPDATE SKIP LOCKED, so relays running at once share the work, publishes
them, and marks them `enqueued_at`. Due means: never published; published WEBHOOK_REQUEUE_AFTER_SECONDS
ago and still not claimed (the message was lost, e.g. Redis restarted without its data); or claimed
WEBHOOK_STALE_CLAIM_SECONDS ago and still processing (the worker died). A broker that is down stops the
pass; the rows wait for the next one. Publishing twice is harmless: processing is claimed once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.projects import outbox
from integrations.projects.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

BATCH = 500
LOOP_IDLE_SECONDS = 0.2


def stale_claim_after() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_STALE_CLAIM_SECONDS)


def requeue_after() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_REQUEUE_AFTER_SECONDS)


def _due(now: datetime) -> Q:
    return (Q(status=DeliveryStatus.RECEIVED, enqueued_at__isnull=True)
            | Q(status=DeliveryStatus.RECEIVED, enqueued_at__lt=now - requeue_after())
            | Q(status=DeliveryStatus.PROCESSING, claimed_at__lt=now - stale_claim_after()))


def deliveries_pending_relay(*, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(_due(now)).order_by("received_at", "pk")
                .values_list("pk", flat=True)[:limit])


def deliveries_relay(*, limit: int = BATCH) -> tuple[int, bool]:
    """One pass: publish up to `limit` due deliveries. Returns (published, a full batch: more may wait)."""
    now = timezone.now()
    with transaction.atomic():
        pending = list(WebhookDelivery.objects.select_for_update(skip_locked=True).filter(_due(now))
                       .order_by("received_at", "pk").values_list("pk", flat=True)[:limit])
        sent: list[int] = []
        for pk in pending:
            if not outbox.enqueue_delivery(pk):
                break
            sent.append(pk)
        if sent:
            # Only rows still waiting: an eager run (the demo) may have processed them already.
            WebhookDelivery.objects.filter(pk__in=sent, status=DeliveryStatus.RECEIVED).update(enqueued_at=now)
    return len(sent), len(pending) == limit and len(sent) == limit


def run_relay_loop(stop: threading.Event, *, idle: float = LOOP_IDLE_SECONDS) -> None:
    """Relay until `stop` is set: at once while there is a backlog, every `idle` seconds otherwise."""
    backoff = idle
    while not stop.is_set():
        try:
            sent, more = deliveries_relay()
        except Exception:  # the database went away: log, wait, try again
            logger.exception("Relay pass failed")
            close_old_connections()
            backoff = min(backoff * 2, 10.0)
            stop.wait(backoff)
            continue
        backoff = idle
        if not more:
            # Broker down: the breaker is open; waiting it out costs nothing.
            stop.wait(max(idle, outbox.BREAKER_SECONDS if not outbox.broker_available() else idle))
        if sent:
            logger.debug("Relayed %s deliveries", sent)
    close_old_connections()


def relay_forever(*, idle: float = LOOP_IDLE_SECONDS) -> None:
    stop = threading.Event()
    try:
        run_relay_loop(stop, idle=idle)
    except KeyboardInterrupt:
        stop.set()


def wait_for(condition, seconds: float) -> bool:
    """Poll `condition` until true or `seconds` pass (the demo's push button waits for its delivery)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
