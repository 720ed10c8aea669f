"""One application error type, mapped to HTTP once.

Services raise these; web views turn them into form errors or messages, and the API's
exception handler turns every error into one JSON shape:
    {"error": {"code": ..., "message": ..., "fields": {...}}}
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import NoReverseMatch
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    code = "invalid"
    http_status = 400

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> ValidationFailed:
        if hasattr(exc, "error_dict"):
            fields = {name: [str(m) for e in errs for m in e.messages] for name, errs in exc.error_dict.items()}
            first = next(iter(fields.values()), ["Invalid input."])[0]
            return cls(first, fields=fields)
        return cls(" ".join(exc.messages))

    @classmethod
    def from_form(cls, form) -> ValidationFailed:
        fields = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return cls(summary_message(fields), fields=fields)


def summary_message(fields: dict[str, list[str]]) -> str:
    """One line for the whole error: the first problem, named by its field (`host: Enter a URL.`)."""
    first_field, messages = next(iter(fields.items()), ("", ["Invalid input."]))
    label = "" if first_field in ("", "__all__") else f"{first_field}: "
    return f"{label}{messages[0]}"


class Forbidden(ApplicationError):
    code = "permission_denied"
    http_status = 403


class Conflict(ApplicationError):
    code = "conflict"
    http_status = 409


class Unavailable(ApplicationError):
    """A dependency (a runner, a provider) cannot answer now; try again later."""

    code = "unavailable"
    http_status = 503


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _drf_fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "__all__" if key == "non_field_errors" else key
            if isinstance(value, list):
                out[name] = [str(v) for v in value]
            elif isinstance(value, dict):
                for sub, msgs in _drf_fields(value).items():
                    out[f"{name}.{sub}"] = msgs
            else:
                out[name] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"__all__": [str(v) for v in detail]}
    return {}


def api_exception_handler(exc, context) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        err = ValidationFailed.from_django(exc)
        return Response(error_body(err.code, err.message, err.fields), status=400)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body("permission_denied", str(exc) or "Permission denied."), status=403)
    if isinstance(exc, drf_exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, drf_exceptions.ValidationError):
            fields = _drf_fields(exc.detail)
            body = error_body("invalid", summary_message(fields), fields)
        else:
            detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
            body = error_body(getattr(exc, "default_code", "error"), detail)
            if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
                body["error"]["code"] = "not_authenticated"
        return Response(body, status=exc.status_code, headers=headers)
    logger.exception("Unhandled API error in %s", context.get("view").__class__.__name__)
    return Response(error_body("server_error", "Something went wrong on our side."), status=500)


def _styled(request, view, exception, status_code: int) -> HttpResponse:
    """Django's handler, which renders the portal's own 400/403/404 template (header and navigation kept)."""
    try:
        return view(request, exception)
    except NoReverseMatch:
        # A URLconf without the portal's route names (tests mount their own): a plain page, not a crash.
        return HttpResponse(f"<!DOCTYPE html><title>Error {status_code}</title><h1>Error {status_code}</h1>",
                            status=status_code)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_or_html_404(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
    from django.views.defaults import page_not_found

    return _styled(request, page_not_found, exception, 404)


def json_or_html_403(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("permission_denied", "Permission denied."), status=403)
    from django.views.defaults import permission_denied

    return _styled(request, permission_denied, exception, 403)


def json_or_html_400(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("bad_request", "Bad request."), status=400)
    from django.views.defaults import bad_request

    return _styled(request, bad_request, exception, 400)


def json_or_html_500(request):
    if _is_api(request):
        return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
    from django.views.defaults import server_error

    return server_error(request)
