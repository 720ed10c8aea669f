"""POST /hooks/bitbucket/<project-uuid>/: where Bitbucket Cloud and Server deliver a project's webhook.

Public by design (no session, no CSRF token): the HMAC-SHA256 signature of the raw body, keyed by
the project's secret, is the authentication. In order:

    body over 1 MiB -> 413 | unknown project -> 404 | missing or wrong X-Hub-Signature -> 401 (only a
    counter moves) | no X-Event-Key -> 400 | no delivery id -> 400 | body not the provider's -> 400 |
    a delivery id already held -> 200, nothing changes | ping or an event we do not act on -> 200,
    logged | an event we act on -> 202, committed (the relay then hands it to Celery)

The response never waits on the provider, on processing, or on the broker (the request never calls it).
"""

from __future__ import annotations

import re

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.projects.receiving import (
    KEPT_HEADERS,
    ProjectGone,
    delivery_record,
    forget_receiving_project,
    project_count_refused,
    receiving_project,
)
from integrations.webhooks.events import MalformedPayload
from integrations.webhooks.parsing import webhook_format
from integrations.webhooks.signatures import verify_hub_signature
from portal.errors import error_body

MAX_BODY_BYTES = 1024 * 1024
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9{}._:-]{1,100}$")


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    fields = {field: [message]} if field else {}
    return JsonResponse(error_body(code, message, fields), status=status)


def _too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > MAX_BODY_BYTES


def _signature_problem(secret: str, body: bytes, header: str | None) -> str | None:
    if not header:
        return "X-Hub-Signature is missing: deliveries must be signed with the project's secret."
    if not header.startswith("sha256="):
        return "X-Hub-Signature must be sha256=<hex HMAC-SHA256 of the body>; other algorithms are refused."
    if not verify_hub_signature(secret, body, header):
        return "X-Hub-Signature does not match the body."
    return None


@csrf_exempt
@require_POST
def receive(request: HttpRequest, project_uuid) -> JsonResponse:
    if _too_large(request):
        return _error(413, "too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")

    project = receiving_project(project_uuid)
    signature = request.headers.get("X-Hub-Signature")
    problem = _signature_problem(project.secret, body, signature) if project else None
    if project is not None and project.cached and problem is not None:
        project = receiving_project(project_uuid, fresh=True)  # never refuse on a stale copy
        problem = _signature_problem(project.secret, body, signature) if project else None
    if project is None:
        return _error(404, "not_found", "No project has this webhook URL.")
    if problem is not None:
        project_count_refused(project_id=project.pk)
        return _error(401, "bad_signature", problem, "X-Hub-Signature")

    event_key = (request.headers.get("X-Event-Key") or "").strip()
    if not event_key:
        return _error(400, "invalid", "X-Event-Key is missing: the event is never guessed from the body.",
                      "X-Event-Key")
    fmt = webhook_format(project.provider)
    delivery_id = (request.headers.get(fmt.delivery_id_header) or "").strip()
    if not _DELIVERY_ID.match(delivery_id):
        return _error(400, "invalid", f"{fmt.delivery_id_header} is missing or malformed.", fmt.delivery_id_header)
    try:
        event = fmt.parse(event_key[:100], body)
    except MalformedPayload as exc:
        return _error(400, "malformed_payload", f"The body is not a {event_key} delivery: {exc}", "body")

    headers = {name: request.headers[name][:300] for name in KEPT_HEADERS if name in request.headers}
    try:
        delivery = delivery_record(project=project, delivery_id=delivery_id, event=event, body=body,
                                   headers=headers)
    except ProjectGone:
        forget_receiving_project(project_uuid)
        return _error(404, "not_found", "No project has this webhook URL.")
    if delivery is None:
        return JsonResponse({"status": "duplicate", "delivery_id": delivery_id})
    if event.handled:
        return JsonResponse({"status": "accepted", "delivery": delivery.pk}, status=202)
    return JsonResponse({"status": event.kind, "delivery": delivery.pk})
