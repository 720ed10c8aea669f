"""What the webhook receiver writes: one row per verified delivery, and a counter for refused ones.

The request never talks to the broker: the delivery row is the outbox. It is one INSERT in autocommit
(committed when the INSERT returns, before the provider gets its answer), and the relay
(`relay.py`) hands it to a worker. So a Redis outage never slows the receiver, and the web tier's
cost per delivery is a signature check, a JSON parse and one INSERT.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from integrations.projects.models import DeliveryStatus, Project, WebhookDelivery
from integrations.webhooks.events import PING, WebhookEvent
from portal.crypto import DecryptionFailed, decrypt_str

# Headers worth keeping beside the body (never Authorization or the signature itself).
KEPT_HEADERS = ("X-Event-Key", "X-Request-UUID", "X-Request-Id", "X-Hook-UUID", "X-Attempt-Number", "User-Agent",
                "Content-Type")

# The receiver's view of a project, kept a few seconds per process: providers deliver in bursts, and
# every round trip to the database costs latency. A signature that does not match, or an insert that
# finds the project gone, always looks again in the database.
CACHE_SECONDS = 30.0
CACHE_SIZE = 10_000


@dataclass(frozen=True)
class ReceivingProject:
    pk: int
    organization_id: int
    provider: str
    secret: str = field(repr=False)
    cached: bool = False


class ProjectGone(Exception):
    """The project was deleted while its delivery came in."""


_cache: dict[str, tuple[float, ReceivingProject]] = {}
_cache_lock = threading.Lock()


def receiving_project(project_uuid, *, fresh: bool = False) -> ReceivingProject | None:
    """The project a receiver URL names (with its secret), or None for no such project."""
    key = str(project_uuid)
    now = time.monotonic()
    if not fresh:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    row = (Project.objects.filter(uuid=project_uuid)
           .values_list("pk", "organization_id", "integration__provider", "webhook_secret_encrypted").first())
    if row is None:
        forget_receiving_project(key)
        return None
    pk, organization_id, provider, encrypted = row
    try:
        secret = decrypt_str(encrypted)
    except DecryptionFailed:
        secret = ""  # a key ring without the project's key: nothing can be verified
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[key] = (now + CACHE_SECONDS, ReceivingProject(pk, organization_id, provider, secret, cached=True))
    return ReceivingProject(pk, organization_id, provider, secret)


def forget_receiving_project(project_uuid) -> None:
    with _cache_lock:
        _cache.pop(str(project_uuid), None)


def delivery_record(*, project: ReceivingProject, delivery_id: str, event: WebhookEvent, body: bytes,
                    headers: dict[str, str]) -> WebhookDelivery | None:
    """Store a verified delivery; None for a redelivery (same delivery id), which changes nothing.

    Ping and ignored events are stored already done; handled ones wait for the relay and a worker.
    Raises ProjectGone when the project was deleted meanwhile.
    """
    now = timezone.now()
    handled = event.handled
    delivery = WebhookDelivery(
        organization_id=project.organization_id, project_id=project.pk, delivery_id=delivery_id,
        event_key=event.event_key, kind=event.kind, summary=event.summary()[:500], event=event.as_json(),
        signature_ok=True, headers=headers, body=body.decode("utf-8"),
        body_sha256=hashlib.sha256(body).hexdigest(), received_at=now,
        status=DeliveryStatus.RECEIVED if handled else DeliveryStatus.IGNORED,
        processed_at=None if handled else now,
        result="" if handled else ("Ping received" if event.kind == PING else "Nothing to do for this event"),
    )
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                delivery.save(force_insert=True)
        else:
            delivery.save(force_insert=True)  # autocommit: one round trip, committed when it returns
    except IntegrityError:
        if not Project.objects.filter(pk=project.pk).exists():
            raise ProjectGone from None
        return None  # the provider's retry of a delivery we already hold
    return delivery


def project_count_refused(*, project_id: int) -> None:
    """A delivery with a missing or wrong signature: count it, store nothing else."""
    Project.objects.filter(pk=project_id).update(refused_deliveries=F("refused_deliveries") + 1,
                                                 last_refused_at=timezone.now())
