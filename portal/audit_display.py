"""How the Activity page reads an AuditEvent: a field-by-field diff in words ("OAuth: off → on",
"Client secret: replaced"), labels for actions and target kinds. Rows written before the trail kept only
what changed (whole before/after objects) are diffed here the same way, so they read alike."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from portal.audit import REDACTED, changed

# Words a person uses for a field, where the model's verbose name reads like a form control ("Enable OAuth").
FIELD_LABELS = {
    "oauth_enabled": "OAuth",
    "pat_enabled": "Personal access tokens",
    "client_id": "Client ID",
    "client_secret_set": "Client secret",
    "client_secret_replaced": "Client secret",
    "optional_scopes": "Optional scopes",
    "options": "Provider options",
    "sealed_by": "Secret sealed",
    "suite": "Sealing suite",
    "require_mfa": "Two-factor authentication required",
    "prebuild_pull_requests": "Prebuilds for pull requests",
    "prebuild_branches": "Prebuild branches",
    "webhook_state": "Webhook",
    "cloud_provider": "Cloud provider",
    "earlier_addresses": "Earlier addresses",
}
# Values that mean something particular for one field.
VALUE_WORDS = {
    ("client_secret_set", True): "set",
    ("client_secret_set", False): "not set",
    ("client_secret_replaced", True): "replaced",
    ("sealed_by", "caller"): "in the browser (the portal never saw it)",
}
# The order fields are listed in (jsonb keeps no order of its own); other keys follow alphabetically.
KEY_ORDER = ["provider", "host", "name", "email", "role", "kind", "cloud_provider", "region", "repository",
             "runner", "oauth_enabled", "pat_enabled", "client_id", "client_secret_set", "client_secret_replaced",
             "sealed_by", "suite", "optional_scopes", "options", "prebuilds", "prebuild_branches",
             "prebuild_pull_requests", "webhook_state"]
# Keys that said nothing: old rows recorded "secret_replaced": "[redacted]" whether or not it was.
LEGACY_NOISE = {"secret_replaced"}
TARGET_KIND_LABELS = {"integrations.scmintegration": "Repository access"}
ACTION_SUBJECTS = {"integration": "Repository access", "api_token": "API token", "auth": "Sign-in"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the field is not on that side (a creation, a deletion, a field added)
    after: str | None


@functools.cache
def _model(target_type: str):
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def field_label(target_type: str, key: str) -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    model = _model(target_type)
    if model is not None:
        try:
            return capfirst(str(model._meta.get_field(key).verbose_name))
        except FieldDoesNotExist:
            pass
    return capfirst(key.replace("_", " "))


def _choice_label(target_type: str, key: str, value) -> str | None:
    model = _model(target_type)
    if model is None or not isinstance(value, str):
        return None
    try:
        choices = dict(model._meta.get_field(key).flatchoices)
    except FieldDoesNotExist:
        return None
    label = choices.get(value)
    return str(label) if label is not None else None


def _legacy_object(value: str):
    """Rows written before provider options were kept as objects hold them as Python's repr of a dict."""
    if value.startswith("{") and value.endswith("}"):
        try:
            parsed = ast.literal_eval(value)  # literals only: never evaluates code
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or value == "{}"


def value_text(target_type: str, key: str, value) -> str:
    if isinstance(value, str):
        value = _legacy_object(value)
    if value == REDACTED:
        return "hidden"
    if isinstance(value, bool | str) and (key, value) in VALUE_WORDS:
        return VALUE_WORDS[(key, value)]
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == [] or value == {}:
        return "none"
    if value == "":
        return "empty"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{capfirst(str(k).replace('_', ' '))}: {value_text('', str(k), v)}"
                         for k, v in value.items())
    return _choice_label(target_type, key, value) or str(value)


def changes(event) -> list[Change]:
    """The fields an event changed, in KEY_ORDER."""
    # Rows written before the diff hold whole objects (or, by hand, anything JSON): diff them here too.
    before, after = changed(event.before if isinstance(event.before, dict) else {},
                            event.after if isinstance(event.after, dict) else {})
    rows = []
    keys = sorted(before.keys() | after.keys(),
                  key=lambda k: (KEY_ORDER.index(k) if k in KEY_ORDER else len(KEY_ORDER), k))
    for key in keys:
        if key in LEGACY_NOISE and REDACTED in (before.get(key), after.get(key)):
            continue
        if key not in before and _is_empty(after.get(key)) or key not in after and _is_empty(before.get(key)):
            continue  # a creation's or deletion's empty settings ("Optional scopes: none") say nothing
        rows.append(Change(
            label=field_label(event.target_type, key),
            before=value_text(event.target_type, key, before[key]) if key in before else None,
            after=value_text(event.target_type, key, after[key]) if key in after else None,
        ))
    return rows


def target_kind_label(target_type: str) -> str:
    if target_type in TARGET_KIND_LABELS:
        return TARGET_KIND_LABELS[target_type]
    model = _model(target_type)
    if model is not None:
        return capfirst(str(model._meta.verbose_name))
    return capfirst(target_type.rsplit(".", 1)[-1].replace("_", " ")) if target_type else "None"


def action_label(action: str) -> str:
    """"integration.updated" → "Repository access updated"."""
    subject, _, verb = action.partition(".")
    subject = ACTION_SUBJECTS.get(subject, capfirst(subject.replace("_", " ")))
    return f"{subject} {verb.replace('_', ' ')}".strip()


@dataclass(frozen=True)
class ActivityRow:
    event: object
    action: str
    changes: list[Change]
    target_filter: str  # the Activity filter value for "only this target", or "" when the row names none


def activity_rows(events) -> list[ActivityRow]:
    return [ActivityRow(event=event, action=action_label(event.action), changes=changes(event),
                        target_filter=f"{event.target_type}:{event.target_id}"
                        if event.target_type and event.target_id else "")
            for event in events]
