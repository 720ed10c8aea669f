"""The OpenAPI schema documents the errors too: one `Error` component (the one shape every API error
has) and, on every operation, the 4xx answers it can give (drf-spectacular post-processing hook)."""

from __future__ import annotations

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error, whatever the status.",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable: invalid, not_found, ..."},
                "message": {"type": "string", "description": "One line for people, naming the first field."},
                "fields": {
                    "type": "object",
                    "description": "Messages per request field (`__all__` for the request as a whole).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
_ALWAYS = {
    "400": "Invalid input: a parameter or the body, named in `fields`.",
    "403": "Authenticated, but not allowed (role, or a required second factor is missing).",
    "404": "No such object in your organizations (another organization's objects are not found either).",
}
_AUTHENTICATED = {"401": "No credential, or an invalid or revoked one."}
_WITH_BODY = {
    "409": "Conflicts with the current state (e.g. the last owner, an existing member).",
    "413": "The body is larger than the portal accepts (2.5 MB).",
    "415": "The body's content type is not one the API reads (send application/json).",
}
_WRITES = ("post", "put", "patch", "delete")


def _is_public(operation: dict) -> bool:
    security = operation.get("security")
    return security is not None and (security == [] or {} in security)


def add_error_responses(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = dict(_ALWAYS)
            if not _is_public(operation):
                statuses.update(_AUTHENTICATED)
            if method in _WRITES:
                statuses.update(_WITH_BODY)
            for status, description in statuses.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ERROR_REF}}})
    return result
