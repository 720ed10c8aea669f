"""Server REST 1.0 repository webhooks (REPO_ADMIN): CRUD, and "Test connection"."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from emulator.clock import now
from emulator.delivery import Target, deliver
from emulator.httpcore import Request, Response
from emulator.paging import server_page
from emulator.server import shapes
from emulator.server.auth import ADMIN, ServerIdentity
from emulator.server.errors import server_error
from emulator.server.models import ServerHook, ServerRepository
from emulator.server.state import server_settings
from emulator.server.views import find_repo

if TYPE_CHECKING:
    from emulator.app import Emulator

HOOK_EVENTS = frozenset({
    "repo:refs_changed", "repo:modified", "repo:forked", "repo:comment:added", "repo:comment:edited",
    "repo:comment:deleted", "repo:secret_detected", "mirror:repo_synchronized", "pr:opened",
    "pr:from_ref_updated", "pr:to_ref_updated", "pr:modified", "pr:reviewer:updated", "pr:reviewer:approved",
    "pr:reviewer:unapproved", "pr:reviewer:needs_work", "pr:merged", "pr:declined", "pr:deleted",
    "pr:comment:added", "pr:comment:edited", "pr:comment:deleted", "build:status_changed",
})
PING_EVENT = "diagnostics:ping"


def _find(repo: ServerRepository, webhook_id: str) -> ServerHook:
    hook = repo.webhooks.get(int(webhook_id)) if webhook_id.isdigit() else None
    if hook is None:
        raise server_error(404, f"Webhook {webhook_id} does not exist.",
                           "com.atlassian.webhooks.NoSuchWebhookException")
    return hook


def list_webhooks(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                  repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=ADMIN)
    event = request.arg("event")
    hooks = [hook for _, hook in sorted(repo.webhooks.items()) if not event or event in hook.events]
    return Response.json(200, server_page(request, hooks, shapes.webhook))


def create_webhook(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                   repository_slug: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=ADMIN)
    fields = _validate(request.json(), creating=True)
    hook = ServerHook(id=app.state.next_id(), name=fields["name"], url=fields["url"], events=fields["events"],
                      active=fields.get("active", True), secret=fields.get("secret"),
                      ssl_verification_required=fields.get("sslVerificationRequired", True))
    repo.webhooks[hook.id] = hook
    return Response.json(200, shapes.webhook(hook))


def get_webhook(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                repository_slug: str, webhook_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=ADMIN)
    return Response.json(200, shapes.webhook(_find(repo, webhook_id)))


def update_webhook(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                   repository_slug: str, webhook_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=ADMIN)
    hook = _find(repo, webhook_id)
    fields = _validate(request.json(), creating=False)
    for name, attr in (("name", "name"), ("url", "url"), ("events", "events"), ("active", "active"),
                       ("sslVerificationRequired", "ssl_verification_required"), ("secret", "secret")):
        if name in fields:
            setattr(hook, attr, fields[name])
    hook.updated = now()
    return Response.json(200, shapes.webhook(hook))


def delete_webhook(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                   repository_slug: str, webhook_id: str) -> Response:
    repo = find_repo(app, identity, project_key, repository_slug, minimum=ADMIN)
    del repo.webhooks[_find(repo, webhook_id).id]
    return Response.empty(204)


def test_webhook(app: Emulator, request: Request, identity: ServerIdentity | None, project_key: str,
                 repository_slug: str) -> Response:
    """"Test connection": POST a diagnostics:ping to ``url`` (signed with the hook's secret if named)."""
    with app.state.lock:
        repo = find_repo(app, identity, project_key, repository_slug, minimum=ADMIN)
        url, secret = request.arg("url"), None
        webhook_id = request.arg("webhookId")
        if webhook_id:
            hook = _find(repo, webhook_id)
            url, secret = url or hook.url, hook.secret
    if not url:
        raise server_error(400, "A url is required", context="url")
    results = ping(app, [Target(webhook_id or "test", url, secret)])
    attempt = results[0]["attempts"][-1]
    return Response.json(200, {
        "request": {"url": url, "method": "POST", "headers": attempt["headers"]},
        "response": {"statusCode": attempt["status"], "error": attempt["error"]},
    })


def ping(app: Emulator, targets: list[Target]) -> list[dict[str, Any]]:
    body = json.dumps({"test": True}).encode()
    return deliver(app.state, event_key=PING_EVENT, body=body, targets=targets,
                   headers_for=lambda target, delivery_id, attempt: delivery_headers(app, PING_EVENT, delivery_id),
                   max_attempts=1)


def delivery_headers(app: Emulator, event: str, delivery_id: str) -> dict[str, str]:
    return {"X-Event-Key": event, "X-Request-Id": delivery_id, "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"Bitbucket version: {server_settings(app.settings).version}, Post webhook plugin"}


def _validate(body: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise server_error(400, "The request body must be a JSON object")
    out: dict[str, Any] = {}
    if "name" in body or creating:
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise server_error(400, "The webhook name must be provided", context="name")
        out["name"] = body["name"].strip()
    if "url" in body or creating:
        url = body.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise server_error(400, "The webhook URL must be a valid http or https URL", context="url")
        out["url"] = url
    if "events" in body or creating:
        events = body.get("events")
        if not isinstance(events, list) or not events:
            raise server_error(400, "At least one event must be provided", context="events")
        unknown = [event for event in events if event not in HOOK_EVENTS]
        if unknown:
            raise server_error(400, f"Unknown webhook event(s): {', '.join(map(str, unknown))}", context="events")
        out["events"] = list(dict.fromkeys(events))
    for name in ("active", "sslVerificationRequired"):
        if name in body:
            if not isinstance(body[name], bool):
                raise server_error(400, f"{name} must be a boolean", context=name)
            out[name] = body[name]
    configuration = body.get("configuration")
    if configuration is not None:
        if not isinstance(configuration, dict):
            raise server_error(400, "configuration must be an object", context="configuration")
        if "secret" in configuration:
            secret = configuration["secret"]
            if secret is not None and not isinstance(secret, str):
                raise server_error(400, "configuration.secret must be a string", context="configuration.secret")
            out["secret"] = secret or None
    return out


