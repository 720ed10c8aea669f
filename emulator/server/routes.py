"""The Server route table, relative to ``/bbs`` + context path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.httpcore import Handler, HttpError, Request, Response, Router
from emulator.server import hooks, oauth, statuses, views
from emulator.server.auth import authenticate

if TYPE_CHECKING:
    from emulator.app import Emulator

REPO = "/projects/{project_key}/repos/{repository_slug}"


def _authenticated(handler: Handler) -> Handler:
    def endpoint(app: Emulator, request: Request, **params: str) -> Response:
        with app.state.lock:
            identity = authenticate(app.state, request)
        try:
            response = handler(app, request, identity, **params)
        except HttpError as exc:
            response = exc.response
        if identity is not None:
            response.headers.extend(identity.headers())
        return response

    return endpoint


def _api(router: Router, method: str, path: str, handler: Handler, *, locked: bool = True) -> None:
    endpoint = _authenticated(handler)
    # Bitbucket serves every REST resource under both the numbered and the "latest" version.
    for version in ("1.0", "latest"):
        router.add(method, f"/rest/api/{version}{path}", endpoint, locked=locked)


def register(router: Router) -> None:
    router.add("GET", oauth.AUTHORIZE_PATH, oauth.authorize_page)
    router.add("POST", oauth.AUTHORIZE_PATH, oauth.authorize_decision)
    router.add("POST", "/rest/oauth2/latest/token", oauth.token)

    _api(router, "GET", "/application-properties", views.application_properties)
    _api(router, "GET", "/repos", views.list_repos)
    _api(router, "GET", "/projects", views.list_projects)
    _api(router, "GET", "/projects/{project_key}", views.get_project)
    _api(router, "GET", "/projects/{project_key}/repos", views.list_project_repos)
    _api(router, "GET", "/users/{user_slug}", views.get_user)
    _api(router, "GET", REPO, views.get_repo)
    _api(router, "GET", REPO + "/branches", views.list_branches)
    _api(router, "GET", REPO + "/branches/default", views.default_branch)
    _api(router, "GET", REPO + "/tags", views.list_tags)
    _api(router, "GET", REPO + "/tags/{name:path}", views.get_tag)
    _api(router, "GET", REPO + "/commits", views.list_commits)
    _api(router, "GET", REPO + "/commits/{commit_id}", views.get_commit)
    _api(router, "GET", REPO + "/pull-requests", views.list_pull_requests)
    _api(router, "GET", REPO + "/pull-requests/{pull_request_id}", views.get_pull_request)
    _api(router, "GET", REPO + "/webhooks", hooks.list_webhooks)
    _api(router, "POST", REPO + "/webhooks", hooks.create_webhook)
    _api(router, "POST", REPO + "/webhooks/test", hooks.test_webhook, locked=False)
    _api(router, "GET", REPO + "/webhooks/{webhook_id}", hooks.get_webhook)
    _api(router, "PUT", REPO + "/webhooks/{webhook_id}", hooks.update_webhook)
    _api(router, "DELETE", REPO + "/webhooks/{webhook_id}", hooks.delete_webhook)
    _api(router, "GET", REPO + "/commits/{commit_id}/builds", statuses.list_builds)
    _api(router, "POST", REPO + "/commits/{commit_id}/builds", statuses.post_builds)
    router.add("GET", "/rest/build-status/1.0/commits/{commit_id}", _authenticated(statuses.legacy_list))
    router.add("POST", "/rest/build-status/1.0/commits/{commit_id}", _authenticated(statuses.legacy_post))
