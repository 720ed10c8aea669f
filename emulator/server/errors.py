from __future__ import annotations

from emulator.httpcore import HttpError, Response

AUTHORISATION_EXCEPTION = "com.atlassian.bitbucket.AuthorisationException"


def server_error(status: int, message: str, exception_name: str | None = None, context: str | None = None,
                 headers: list[tuple[str, str]] | None = None) -> HttpError:
    """Bitbucket Server's error body: ``{"errors": [{"context", "message", "exceptionName"}]}``."""
    return HttpError(Response.json(status, {"errors": [
        {"context": context, "message": message, "exceptionName": exception_name}]}, headers))


def not_permitted(headers: list[tuple[str, str]] | None = None) -> HttpError:
    # Bitbucket Server answers 401, not 403, when an authenticated user lacks a permission.
    return server_error(401, "You are not permitted to access this resource", AUTHORISATION_EXCEPTION,
                        headers=headers)


def no_such_project(key: str) -> HttpError:
    return server_error(404, f"Project {key} does not exist.", "com.atlassian.bitbucket.project.NoSuchProjectException")


def no_such_repository(key: str, slug: str) -> HttpError:
    return server_error(404, f"Repository {key}/{slug} does not exist.",
                        "com.atlassian.bitbucket.repository.NoSuchRepositoryException")
