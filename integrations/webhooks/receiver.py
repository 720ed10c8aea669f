"""POST /hooks/bitbucket/<project-uuid>/: where Bitbucket Cloud and Server deliver a project's webhook.

Public by design (no session, no CSRF token): the HMAC-SHA256 signature of the raw body, keyed by
the project's secret, is the authentication. In order:

    body over 1 MiB -> 413 | unknown project -> 404 | missing or wrong X-Hub-Signature -> 401 (only a
    counter moves) | no X-Event-Key -> 400 | no delivery id -> 400 | body not the provider's -> 400 |
    a delivery id already held -> 200, nothing changes | ping or an event we do not act on -> 200,
    logged | an event we act on -> 202, committed, then handed to Celery

The response never waits on the provider, on processing, or on a broker that is down.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.projects.deliveries import KEPT_HEADERS, delivery_record, project_count_refused
from integrations.projects.models import Project
from integrations.webhooks.events import MalformedPayload
from integrations.webhooks.parsing import webhook_format
from integrations.webhooks.signatures import verify_hub_signature
from portal.crypto import DecryptionFailed
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

    project = (Project.objects.select_related("integration")
               .only("pk", "organization_id", "webhook_secret_encrypted", "integration__provider")
               .filter(uuid=project_uuid).first())
    if project is None:
        return _error(404, "not_found", "No project has this webhook URL.")
    try:
        secret = project.webhook_secret
    except DecryptionFailed:
        secret = ""  # a key ring without the project's key: nothing can be verified
    problem = _signature_problem(secret, body, request.headers.get("X-Hub-Signature"))
    if problem is not None:
        project_count_refused(project_id=project.pk)
        return _error(401, "bad_signature", problem, "X-Hub-Signature")

    event_key = (request.headers.get("X-Event-Key") or "").strip()
    if not event_key:
        return _error(400, "invalid", "X-Event-Key is missing: the event is never guessed from the body.",
                      "X-Event-Key")
    fmt = webhook_format(project.integration.provider)
    delivery_id = (request.headers.get(fmt.delivery_id_header) or "").strip()
    if not _DELIVERY_ID.match(delivery_id):
        return _error(400, "invalid", f"{fmt.delivery_id_header} is missing or malformed.", fmt.delivery_id_header)
    try:
        event = fmt.parse(event_key[:100], body)
    except MalformedPayload as exc:
        return _error(400, "malformed_payload", f"The body is not a {event_key} delivery: {exc}", "body")

    headers = {name: request.headers[name][:300] for name in KEPT_HEADERS if name in request.headers}
    delivery = delivery_record(project=project, delivery_id=delivery_id, event=event, body=body, headers=headers)
    if delivery is None:
        return JsonResponse({"status": "duplicate", "delivery_id": delivery_id})
    if event.handled:
        return JsonResponse({"status": "accepted", "delivery": delivery.pk}, status=202)
    return JsonResponse({"status": event.kind, "delivery": delivery.pk})
