"""The Cloud route table: every REST handler runs behind authentication and the spec's scope check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.cloud import hooks, oauth, refs, statuses, views
from emulator.cloud.auth import authenticate, require_scopes
from emulator.httpcore import Handler, HttpError, Request, Response, Router

if TYPE_CHECKING:
    from emulator.app import Emulator

REPO = "/repositories/{workspace}/{repo_slug}"


def _api(router: Router, method: str, spec_path: str, handler: Handler, *, pattern: str | None = None,
         scoped: bool = True) -> None:
    def endpoint(app: Emulator, request: Request, **params: str) -> Response:
        identity = authenticate(app.state, request)
        try:
            if scoped:
                require_scopes(identity, method, spec_path)
            response = handler(app, request, identity, **params)
        except HttpError as exc:
            response = exc.response
        if identity is not None and not any(name == "X-Credential-Type" for name, _ in response.headers):
            response.headers.extend(identity.headers())
        return response

    router.add(method, "/2.0" + (pattern or spec_path), endpoint)


def register(router: Router) -> None:
    router.add("GET", oauth.AUTHORIZE_PATH, oauth.authorize_page)
    router.add("POST", oauth.AUTHORIZE_PATH, oauth.authorize_decision)
    router.add("POST", "/site/oauth2/access_token", oauth.access_token)

    _api(router, "GET", "/repositories", views.gone, scoped=False)
    _api(router, "GET", "/workspaces", views.gone, scoped=False)
    _api(router, "GET", "/user", views.get_user)
    _api(router, "GET", "/user/emails", views.get_user_emails)
    _api(router, "GET", "/user/workspaces", views.get_user_workspaces)
    _api(router, "GET", "/repositories/{workspace}", views.list_repositories)
    _api(router, "GET", REPO, views.get_repository)

    _api(router, "GET", REPO + "/hooks", hooks.list_hooks)
    _api(router, "POST", REPO + "/hooks", hooks.create_hook)
    _api(router, "GET", REPO + "/hooks/{uid}", hooks.get_hook)
    _api(router, "PUT", REPO + "/hooks/{uid}", hooks.update_hook)
    _api(router, "DELETE", REPO + "/hooks/{uid}", hooks.delete_hook)

    _api(router, "GET", REPO + "/refs/branches", refs.list_branches)
    _api(router, "GET", REPO + "/refs/branches/{name}", refs.get_branch, pattern=REPO + "/refs/branches/{name:path}")
    _api(router, "GET", REPO + "/refs/tags", refs.list_tags)
    _api(router, "GET", REPO + "/refs/tags/{name}", refs.get_tag, pattern=REPO + "/refs/tags/{name:path}")
    _api(router, "GET", REPO + "/commit/{commit}", refs.get_commit)
    _api(router, "GET", REPO + "/commits", refs.list_commits)
    _api(router, "GET", REPO + "/commits/{revision}", refs.list_commits, pattern=REPO + "/commits/{revision:path}")
    _api(router, "GET", REPO + "/pullrequests", refs.list_pullrequests)
    _api(router, "GET", REPO + "/pullrequests/{pull_request_id}", refs.get_pullrequest)
    _api(router, "GET", REPO + "/issues", refs.list_issues)
    _api(router, "GET", REPO + "/issues/{issue_id}", refs.get_issue)
    _api(router, "GET", REPO + "/src", refs.get_src)
    _api(router, "GET", REPO + "/src/{commit}/{path}", refs.get_src, pattern=REPO + "/src/{commit}")
    _api(router, "GET", REPO + "/src/{commit}/{path}", refs.get_src, pattern=REPO + "/src/{commit}/{path:path}")
    _api(router, "GET", REPO + "/commit/{commit}/statuses", statuses.list_statuses)
    _api(router, "POST", REPO + "/commit/{commit}/statuses/build", statuses.post_build_status)
    _api(router, "GET", REPO + "/commit/{commit}/statuses/build/{key}", statuses.get_build_status)
