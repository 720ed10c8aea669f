"""Cloud REST 2.0: the user, workspaces and repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.cloud import bbql, shapes
from emulator.cloud.auth import ADMIN, READ, WRITE, CloudIdentity, repo_permission, require_authenticated
from emulator.cloud.errors import cloud_error, not_found
from emulator.cloud.lookup import visible_repo
from emulator.cloud.state import cloud_settings, cloud_state
from emulator.httpcore import Request, Response
from emulator.paging import cloud_page

if TYPE_CHECKING:
    from emulator.app import Emulator

# Bitbucket's body for the cross-workspace endpoints it removed (CHANGE-2770).
GONE_BODY = {
    "type": "error",
    "error": {
        "message": "CHANGE-2770 - Functionality has been deprecated",
        "detail": "Please read the changelog entry for more details.",
        "data": {"announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"},
    },
    "data": {"announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"},
}

ROLE_MINIMUM = {"member": READ, "contributor": WRITE, "admin": ADMIN}


def gone(app: Emulator, request: Request, identity: CloudIdentity | None) -> Response:
    return Response.json(410, GONE_BODY)


def _user_identity(identity: CloudIdentity | None) -> CloudIdentity:
    identity = require_authenticated(identity)
    if identity.user is None:
        # Repository/project/workspace access tokens are not a user account.
        raise cloud_error(403, "Access tokens are not associated with a user account and cannot "
                               "use this resource.", headers=identity.headers())
    return identity


def get_user(app: Emulator, request: Request, identity: CloudIdentity | None) -> Response:
    identity = _user_identity(identity)
    return Response.json(200, shapes.current_user(app.settings, identity.user))


def get_user_emails(app: Emulator, request: Request, identity: CloudIdentity | None) -> Response:
    identity = _user_identity(identity)
    user = identity.user
    base = cloud_settings(app.settings).url
    addresses = [(user.email, True, True)] + [(email, False, confirmed) for email, confirmed in user.other_emails]

    def render(item: tuple[str, bool, bool]) -> dict:
        email, primary, confirmed = item
        return {"type": "email", "email": email, "is_primary": primary, "is_confirmed": confirmed,
                "links": {"self": shapes.link(f"{base}/2.0/user/emails/{email}")}}

    return Response.json(200, cloud_page(request, base, addresses, render))


def get_user_workspaces(app: Emulator, request: Request, identity: CloudIdentity | None) -> Response:
    identity = _user_identity(identity)
    state = app.state
    memberships = []
    for workspace in cloud_state(state).workspaces.values():
        role = workspace.members.get(identity.user.username)
        if role:
            memberships.append((workspace, role in ("owner", "admin")))

    def render(item) -> dict:
        workspace, administrator = item
        return {
            "type": "workspace_access",
            "administrator": administrator,
            "workspace": shapes.workspace_base(app.settings, workspace),
            "links": {"self": shapes.link(f"{cloud_settings(app.settings).url}/2.0/user/workspaces/{workspace.slug}")},
        }

    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, memberships, render))


def list_repositories(app: Emulator, request: Request, identity: CloudIdentity | None,
                      workspace: str) -> Response:
    state = app.state
    cloud = cloud_state(state)
    found = cloud.workspaces.get(workspace)
    if found is None:
        raise not_found(f"Workspace {workspace}")
    role = request.arg("role")
    if role is not None and role not in (*ROLE_MINIMUM, "owner"):
        raise cloud_error(400, f"Invalid role: {role}. Must be one of member, contributor, admin, owner")
    if role is not None and identity is None:
        require_authenticated(identity)
    is_owner = bool(identity and identity.user and found.members.get(identity.user.username) == "owner")
    repos = []
    for repo in cloud.repos.values():
        if repo.workspace != workspace:
            continue
        level = repo_permission(state, identity, repo)
        if level == 0:
            continue
        if role == "owner" and not is_owner:
            continue
        if role in ROLE_MINIMUM and level < ROLE_MINIMUM[role]:
            continue
        repos.append(repo)
    repos = bbql.sort_repositories(bbql.filter_repositories(repos, request.arg("q")), request.arg("sort"))
    return Response.json(200, cloud_page(request, cloud_settings(app.settings).url, repos,
                                         lambda repo: shapes.repository(state, repo)))


def get_repository(app: Emulator, request: Request, identity: CloudIdentity | None, workspace: str,
                   repo_slug: str) -> Response:
    repo = visible_repo(app, identity, workspace, repo_slug)
    return Response.json(200, shapes.repository(app.state, repo))
