"""The audit trail: services call `audit_record` (or `audit_change` for a save) inside their transaction.

Only what changed is stored: when a caller passes both sides, keys whose value is the same on both are
dropped here, so every writer records a diff and the Activity page never has to guess."""

from __future__ import annotations

from django.db import models

from portal.models import AuditEvent, Organization

# Field names whose values never enter the trail, whatever a caller passes.
_SECRET_MARKERS = ("secret", "token", "password", "private", "credential", "key")
REDACTED = "[redacted]"


def is_secret_key(key: str) -> bool:
    return any(marker in key.lower() for marker in _SECRET_MARKERS) and not key.endswith("_set")


def _scrub(summary: dict | None) -> dict:
    clean = {}
    for key, value in (summary or {}).items():
        key = str(key)
        # A yes/no ("client_secret_replaced": True) says that a secret changed, never what it is.
        if is_secret_key(key) and not isinstance(value, bool):
            clean[key] = REDACTED
        elif isinstance(value, dict):
            clean[key] = _scrub(value)  # provider options: kept as an object, read key by key
        else:
            clean[key] = value if isinstance(value, str | int | float | bool | type(None) | list) else str(value)
    return clean


def changed(before: dict | None, after: dict | None) -> tuple[dict, dict]:
    """The keys of `before` and `after` whose values differ (a key on one side only counts as a change)."""
    before, after = dict(before or {}), dict(after or {})
    if not before or not after:
        return before, after  # a creation or a deletion: the one side is the whole record
    missing = object()
    keys = {key for key in before.keys() | after.keys() if before.get(key, missing) != after.get(key, missing)}
    return ({k: v for k, v in before.items() if k in keys}, {k: v for k, v in after.items() if k in keys})


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
    # Compared before scrubbing: two different secrets would both read "[redacted]" afterwards.
    before, after = changed(before, after)
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


def audit_change(*, before: dict, after: dict, **event) -> AuditEvent | None:
    """A save of settings: recorded only if a value changed (a save that changed nothing is no event)."""
    old, new = changed(before, after)
    if not old and not new:
        return None
    return audit_record(before=before, after=after, **event)
