"""Connection health: status transitions, and telling a user once when their connection breaks.

A connection breaks when the provider gives a real answer that it no longer works (revoked, expired,
scopes missing). Its user gets one email and a banner with Reconnect; the next sweep finding the same
breakage sends nothing (`broken_notified_at` is claimed with a conditional UPDATE, so two workers
cannot both send). Recovery (a real "it works" answer, or a reconnect) clears the claim, so the next
breakage is told again. 429s and 5xx never break a connection: after the task's retries they show as
"rate limited" / "unreachable" and the user is not emailed (nothing they can do).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection
from integrations.models.connection import Status

logger = logging.getLogger(__name__)

# What a user can do about each broken status, in plain words.
ADVICE = {
    Status.REVOKED: "The provider no longer accepts the token: it was revoked or the app's access was removed.",
    Status.EXPIRED: "The token expired and could not be renewed.",
    Status.INSUFFICIENT_SCOPES: "The token works but lacks permissions the portal needs.",
}


def status_set(connection: Connection, status: str) -> None:
    """Set the status in memory, stamping when it changed (the caller saves)."""
    if connection.status != status:
        connection._status_before = connection.status
        connection.status = status
        connection.status_changed_at = timezone.now()


def connection_tell_once(connection: Connection) -> bool:
    """After a status was saved: email + banner on the first breakage, clear on recovery. True if told."""
    if connection.is_broken:
        if getattr(connection, "_status_before", None) == Status.PENDING:
            # Broken from its first verify (e.g. scopes not granted): the user is on the page that says so.
            return False
        claimed = Connection.objects.filter(pk=connection.pk, broken_notified_at__isnull=True).update(
            broken_notified_at=timezone.now())
        if not claimed:
            return False
        connection.broken_notified_at = timezone.now()
        transaction.on_commit(lambda: _send_broken_email(connection.pk))
        return True
    if connection.is_healthy and connection.broken_notified_at is not None:
        Connection.objects.filter(pk=connection.pk).update(broken_notified_at=None)
        connection.broken_notified_at = None
    return False


def _send_broken_email(connection_id: int) -> None:
    connection = (Connection.objects.select_related("user", "integration__runner", "organization")
                  .filter(pk=connection_id).first())
    if connection is None or not connection.user.email:
        return
    label = connection.integration.spec.name
    url = settings.PORTAL_BASE_URL + reverse("connection_list", args=[connection.organization.slug])
    context = {"connection": connection, "label": label, "url": url,
               "advice": ADVICE.get(connection.status, ""), "missing": list(connection.missing_scopes or [])}
    try:
        send_mail(subject=f"Your {label} connection needs attention",
                  message=render_to_string("integrations/email/connection_broken.txt", context),
                  from_email=None, recipient_list=[connection.user.email])
    except OSError:
        # The banner still tells them; a mail outage must not fail the verify.
        logger.warning("Could not email the owner of connection %s about its breakage", connection_id)


def connection_mark_transient(*, connection_id: int, status: str, message: str) -> None:
    """The task gave up retrying a 429 / 5xx: show it, without touching a broken status or the tokens."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None or connection.is_broken:
        return
    status_set(connection, status)
    connection.last_error = message
    connection.verify_queued_at = None
    connection.save(update_fields=["status", "status_changed_at", "last_error", "verify_queued_at", "updated_at"])


def banner_connections(*, user) -> list[Connection]:
    """The user's connections they were told are broken: the banner's rows (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Connection.objects.filter(user=user, broken_notified_at__isnull=False)
                .select_related("integration__runner", "organization").order_by("pk")[:5])
