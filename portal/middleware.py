"""Requests no view should have to handle, refused before any view runs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from portal.errors import error_body


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body for a malformed length either


def _has_nul(request: HttpRequest) -> bool:
    """In the path or the query string. Form bodies are left to the forms, whose fields refuse NUL with a
    message beside the field."""
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class HostileRequestMiddleware:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (it was a 500 on the API, the unauthenticated
    runner registration included); a NUL character in the path or query is a 400 (PostgreSQL cannot store
    one, so it was a 500 wherever a parameter reached a query). API answers use the error shape."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            megabytes = limit / (1024 * 1024)
            return self._refuse(request, 413, "too_large",
                                f"The request body is larger than the {megabytes:g} MB this portal accepts.")
        if _has_nul(request):
            return self._refuse(request, 400, "invalid",
                                "The request contains a NUL character, which no field accepts.")
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
        if _is_api(request):
            return JsonResponse(error_body(code, message), status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
