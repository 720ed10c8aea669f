"""Bitbucket Cloud REST 2.0 client (api.bitbucket.org).

Plain dicts in, plain dicts out; errors are the typed ones from `providers.http`. Built with
explicit URLs and a credential so it can run anywhere (web, Celery, the emulator's tests).
OAuth (authorize URL, grants) is `integrations.providers.oauth`; token responses `providers.tokens`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx

from integrations.providers.http import (
    DEFAULT_TIMEOUT,
    Credential,
    InsufficientScope,
    ProviderSession,
    ProviderUnavailable,
    split_scopes,
)
from integrations.providers.paging import find_by_url, iter_cloud_values
from integrations.providers.protocol import Identity

PROVIDER = "bitbucket-cloud"
API_URL = "https://api.bitbucket.org"
MAX_PAGELEN = 100  # Bitbucket's documented maximum for most collections

__all__ = ["API_URL", "BitbucketCloudClient"]


def _seg(value: str | int) -> str:
    """One path segment: `{uuid}` braces and slashes must not change the route."""
    return quote(str(value), safe="")


def _repo_path(workspace: str, slug: str) -> str:
    return f"/2.0/repositories/{_seg(workspace)}/{_seg(slug)}"


class BitbucketCloudClient:
    """One credential against one Bitbucket Cloud (or emulator) installation."""

    def __init__(
        self,
        *,
        api_url: str = API_URL,
        credential: Credential | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.session = ProviderSession(api_url, provider=PROVIDER, credential=credential, timeout=timeout)

    def __repr__(self) -> str:
        return f"BitbucketCloudClient(api_url={str(self.session.base_url)!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> BitbucketCloudClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- identity -----------------------------------------------------------------------------

    def current_user(self) -> dict[str, Any]:
        """GET /2.0/user. Access tokens (repository/project/workspace) have no user: 401/403 here."""
        return self.session.get_json("/2.0/user")

    def user_emails(self) -> list[dict[str, Any]]:
        return list(iter_cloud_values(self.session, "/2.0/user/emails", {"pagelen": MAX_PAGELEN}))

    def primary_email(self) -> str | None:
        """The primary address, only if confirmed: an unconfirmed one may not be the user's."""
        for entry in self.user_emails():
            if entry.get("is_primary") and entry.get("is_confirmed"):
                return entry.get("email")
        return None

    def identity(self, *, token_scopes: Iterable[str] = (), author_email: bool = True) -> Identity:
        """The token's user and git author (the primary confirmed address). The scopes are the
        ones /2.0/user's `X-OAuth-Scopes` names, else `token_scopes` (the token response's)."""
        user = self.current_user()
        header_scopes = split_scopes(self.session.last_response_headers.get("X-OAuth-Scopes"))
        try:
            email = (self.primary_email() or "") if author_email else ""
        except InsufficientScope:
            # Connected without the `email` scope: the identity stands, the author email stays empty.
            email = ""
        return Identity(
            account_id=str(user.get("uuid") or user.get("account_id") or ""),
            username=str(user.get("username") or user.get("nickname") or ""),
            display_name=str(user.get("display_name") or ""),
            git_author_name=str(user.get("display_name") or user.get("nickname") or user.get("username") or ""),
            git_author_email=str(email),
            scopes=header_scopes or tuple(token_scopes),
        )

    # --- workspaces and repositories -------------------------------------------------------------

    def workspaces(self, *, pagelen: int = MAX_PAGELEN) -> list[dict[str, Any]]:
        """`workspace_access` objects from /2.0/user/workspaces (the cross-workspace
        /2.0/workspaces answers 410 since CHANGE-2770)."""
        params = {"pagelen": min(pagelen, MAX_PAGELEN)}
        return list(iter_cloud_values(self.session, "/2.0/user/workspaces", params))

    def repositories(
        self, workspace: str, role: str | None = "member", q: str | None = None, *, pagelen: int = MAX_PAGELEN
    ) -> list[dict[str, Any]]:
        """All repositories of a workspace the user has `role` on; the whole list or an error."""
        params: dict[str, Any] = {"pagelen": min(pagelen, MAX_PAGELEN)}
        if role:
            params["role"] = role
        if q:
            params["q"] = q
        return list(iter_cloud_values(self.session, f"/2.0/repositories/{_seg(workspace)}", params))

    def repository_page(
        self, workspace: str, *, role: str | None = "member", q: str | None = None, sort: str | None = None,
        page: int = 1, pagelen: int = 25,
    ) -> dict[str, Any]:
        """One page of a workspace's repositories (`values`, `next`, `size`), for pickers that page on demand."""
        params: dict[str, Any] = {"pagelen": max(1, min(pagelen, MAX_PAGELEN)), "page": max(1, page)}
        for name, value in (("role", role), ("q", q), ("sort", sort)):
            if value:
                params[name] = value
        body = self.session.get_json(f"/2.0/repositories/{_seg(workspace)}", params=params)
        if not isinstance(body, dict) or not isinstance(body.get("values"), list):
            raise ProviderUnavailable("unexpected page: no `values` list", provider=PROVIDER, method="GET",
                                      path=f"/2.0/repositories/{workspace}")
        return body

    def repository(self, workspace: str, slug: str) -> dict[str, Any]:
        return self.session.get_json(_repo_path(workspace, slug))

    def branch(self, workspace: str, slug: str, name: str) -> dict[str, Any]:
        return self.session.get_json(f"{_repo_path(workspace, slug)}/refs/branches/{_seg(name)}")

    def commit(self, workspace: str, slug: str, commit_hash: str) -> dict[str, Any]:
        return self.session.get_json(f"{_repo_path(workspace, slug)}/commit/{_seg(commit_hash)}")

    def pull_request(self, workspace: str, slug: str, pr_id: int) -> dict[str, Any]:
        return self.session.get_json(f"{_repo_path(workspace, slug)}/pullrequests/{int(pr_id)}")

    def issue(self, workspace: str, slug: str, issue_id: int) -> dict[str, Any]:
        return self.session.get_json(f"{_repo_path(workspace, slug)}/issues/{int(issue_id)}")

    # --- webhooks -----------------------------------------------------------------------------

    def hooks(self, workspace: str, slug: str) -> list[dict[str, Any]]:
        path = f"{_repo_path(workspace, slug)}/hooks"
        return list(iter_cloud_values(self.session, path, {"pagelen": MAX_PAGELEN}))

    def create_hook(
        self,
        workspace: str,
        slug: str,
        *,
        url: str,
        events: Iterable[str],
        description: str = "",
        secret: str | None = None,
        active: bool = True,
    ) -> dict[str, Any]:
        """POST a webhook; the response shows `secret_set`, never the secret."""
        body: dict[str, Any] = {
            "description": description,
            "url": url,
            "active": active,
            "events": list(events),
        }
        if secret is not None:
            body["secret"] = secret
        return self.session.request_json("POST", f"{_repo_path(workspace, slug)}/hooks", json_body=body)

    def update_hook(
        self,
        workspace: str,
        slug: str,
        uid: str,
        *,
        url: str | None = None,
        events: Iterable[str] | None = None,
        description: str | None = None,
        secret: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        """PUT only the given fields; a hook keeps its secret unless a new one is passed."""
        fields = {"url": url, "description": description, "secret": secret, "active": active}
        body: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if events is not None:
            body["events"] = list(events)
        path = f"{_repo_path(workspace, slug)}/hooks/{_seg(uid)}"
        return self.session.request_json("PUT", path, json_body=body)

    def delete_hook(self, workspace: str, slug: str, uid: str) -> None:
        self.session.request_json("DELETE", f"{_repo_path(workspace, slug)}/hooks/{_seg(uid)}")

    def find_hook_by_url(self, workspace: str, slug: str, url: str) -> dict[str, Any] | None:
        """The existing hook for `url`, so installs are idempotent (Read the Docs made duplicates)."""
        return find_by_url(self.hooks(workspace, slug), url)
