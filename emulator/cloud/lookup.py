"""Finding a repository the caller may see, with Bitbucket's 401/404 answers when they may not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.cloud.auth import CloudIdentity, repo_permission
from emulator.cloud.errors import cloud_error, not_found
from emulator.cloud.models import CloudRepository
from emulator.cloud.state import cloud_state

if TYPE_CHECKING:
    from emulator.app import Emulator


def visible_repo(app: Emulator, identity: CloudIdentity | None, workspace: str, repo_slug: str,
                 minimum: int = 1) -> CloudRepository:
    state = app.state
    cloud = cloud_state(state)
    workspace = workspace.lower()  # Bitbucket matches workspace and repository slugs case-insensitively
    if workspace not in cloud.workspaces:
        raise not_found(f"Workspace {workspace}")
    repo = cloud.repos.get(f"{workspace}/{repo_slug.lower()}")
    if repo is None:
        raise not_found(f"Repository {workspace}/{repo_slug}")
    level = repo_permission(state, identity, repo)
    if level == 0:
        if identity is None:
            raise cloud_error(401, "This repository is private: authentication is required")
        raise not_found(f"Repository {workspace}/{repo_slug}")
    if level < minimum:
        raise cloud_error(403, "Access denied. You must have write or admin access.",
                          headers=identity.headers() if identity else None)
    return repo
