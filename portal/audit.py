"""The audit trail: services call `audit_record` inside their transaction."""

from __future__ import annotations

from django.db import models

from portal.models import AuditEvent, Organization

# Field names whose values never enter the trail, whatever a caller passes.
_SECRET_MARKERS = ("secret", "token", "password", "private", "credential", "key")


def _scrub(summary: dict | None) -> dict:
    clean = {}
    for key, value in (summary or {}).items():
        if any(marker in key.lower() for marker in _SECRET_MARKERS) and not key.endswith("_set"):
            clean[key] = "[redacted]"
        else:
            clean[key] = value if isinstance(value, str | int | float | bool | type(None) | list) else str(value)
    return clean


def audit_record(
    *,
    organization: Organization | None,
    actor,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or (str(actor) if actor is not None and getattr(actor, "pk", None) else "system"),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label or (str(target) if target is not None else ""),
        before=_scrub(before),
        after=_scrub(after),
    )
