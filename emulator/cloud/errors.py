from __future__ import annotations

from typing import Any

from emulator.httpcore import HttpError, Response


def cloud_error(status: int, message: str, detail: Any = None,
                headers: list[tuple[str, str]] | None = None) -> HttpError:
    """Bitbucket Cloud's error body: ``{"type": "error", "error": {"message", "detail"?}}``."""
    error: dict[str, Any] = {"message": message}
    if detail is not None:
        error["detail"] = detail
    return HttpError(Response.json(status, {"type": "error", "error": error}, headers))


def not_found(what: str) -> HttpError:
    return cloud_error(404, f"{what} not found")
