"""Cloud REST 2.0 repository webhooks: list, create, get, update, delete (``secret_set``, never the secret)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from emulator.cloud import shapes
from emulator.cloud.auth import ADMIN, CloudIdentity
from emulator.cloud.errors import cloud_error, not_found
from emulator.cloud.lookup import visible_repo
from emulator.cloud.models import CloudHook, CloudRepository, braced_uuid
from emulator.cloud.state import cloud_settings
from emulator.httpcore import HttpError, Request, Response
from emulator.paging import cloud_page

if TYPE_CHECKING:
    from emulator.app import Emulator

# The event keys the Cloud OpenAPI allows on a webhook_subscription.
HOOK_EVENTS = frozenset({
    "issue:comment_created", "issue:created", "issue:updated", "pipeline:span_created", "project:updated",
    "pullrequest:approved", "pullrequest:changes_request_created", "pullrequest:changes_request_removed",
    "pullrequest:comment_created", "pullrequest:comment_deleted", "pullrequest:comment_reopened",
    "pullrequest:comment_resolved", "pullrequest:comment_updated", "pullrequest:created",
    "pullrequest:fulfilled", "pullrequest:push", "pullrequest:rejected", "pullrequest:unapproved",
    "pullrequest:updated", "repo:commit_comment_created", "repo:commit_status_created",
    "repo:commit_status_updated", "repo:created", "repo:deleted", "repo:fork", "repo:imported", "repo:push",
    "repo:transfer", "repo:updated",
})
MAX_SECRET_LENGTH = 128


def _admin_repo(app: Emulator, identity: CloudIdentity | None, workspace: str, repo_slug: str) -> CloudRepository:
    # Webhooks need repository admin; an access token's webhook scope is its admin right here.
    minimum = 1 if identity is not None and identity.is_access_token else ADMIN
    return visible_repo(app, identity, workspace, repo_slug, minimum=minimum)


def _find(repo: CloudRepository, uid: str) -> CloudHook:
    wanted = uid if uid.startswith("{") else "{" + uid + "}"
    hook = repo.hooks.get(wanted.lower())
    if hook is None:
        raise not_found(f"Webhook {uid}")
    return hook


def list_hooks(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
               repo_slug: str) -> Response:
    repo = _admin_repo(app, identity, workspace, repo_slug)
    hooks = sorted(repo.hooks.values(), key=lambda h: h.created_at)
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, hooks,
                                         lambda hook: shapes.hook(app.settings, repo, hook)))


def create_hook(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                repo_slug: str) -> Response:
    repo = _admin_repo(app, identity, workspace, repo_slug)
    body = _object_body(request)
    fields = _validate(body, creating=True)
    hook = CloudHook(uuid=braced_uuid().lower(), url=fields["url"], description=fields.get("description", ""),
                     events=fields["events"], active=fields.get("active", True), secret=fields.get("secret"),
                     skip_cert_verification=fields.get("skip_cert_verification", False))
    repo.hooks[hook.uuid] = hook
    location = f"{cloud_settings(app.settings).url}/2.0/repositories/{repo.full_name}/hooks/{quote(hook.uuid, safe='')}"
    return Response.json(201, shapes.hook(app.settings, repo, hook), [("Location", location)])


def get_hook(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
             repo_slug: str, uid: str) -> Response:
    repo = _admin_repo(app, identity, workspace, repo_slug)
    return Response.json(200, shapes.hook(app.settings, repo, _find(repo, uid)))


def update_hook(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                repo_slug: str, uid: str) -> Response:
    repo = _admin_repo(app, identity, workspace, repo_slug)
    hook = _find(repo, uid)
    fields = _validate(_object_body(request), creating=False)
    for name in ("url", "description", "events", "active", "skip_cert_verification"):
        if name in fields:
            setattr(hook, name, fields[name])
    if "secret" in fields:  # absent leaves the secret alone; null or "" removes it
        hook.secret = fields["secret"]
    return Response.json(200, shapes.hook(app.settings, repo, hook))


def delete_hook(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                repo_slug: str, uid: str) -> Response:
    repo = _admin_repo(app, identity, workspace, repo_slug)
    hook = _find(repo, uid)
    del repo.hooks[hook.uuid]
    return Response.empty(204)


def _object_body(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise cloud_error(400, "Bad request", "The request body must be a JSON object")
    return body


def _validate(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "url" in body or creating:
        url = body.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = ["Enter a valid URL."]
        else:
            out["url"] = url
    if "events" in body or creating:
        events = body.get("events")
        if not isinstance(events, list) or not events:
            errors["events"] = ["At least one event is required."]
        else:
            unknown = [e for e in events if e not in HOOK_EVENTS]
            if unknown:
                errors["events"] = [f"Invalid event: {e}" for e in unknown]
            else:
                out["events"] = list(dict.fromkeys(events))
    if "secret" in body:
        secret = body["secret"]
        if secret is not None and not isinstance(secret, str):
            errors["secret"] = ["The secret must be a string."]
        elif secret and len(secret) > MAX_SECRET_LENGTH:
            errors["secret"] = [f"Ensure this value has at most {MAX_SECRET_LENGTH} characters."]
        else:
            out["secret"] = secret or None
    for name in ("active", "skip_cert_verification"):
        if name in body:
            if not isinstance(body[name], bool):
                errors[name] = ["Must be a boolean."]
            else:
                out[name] = body[name]
    if "description" in body:
        out["description"] = str(body["description"] or "")
    if errors:
        raise HttpError(Response.json(400, {"type": "error", "error": {
            "message": "Bad request", "fields": errors}}))
    return out
