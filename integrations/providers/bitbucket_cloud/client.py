"""Bitbucket Cloud REST 2.0 client (api.bitbucket.org) and OAuth 2.0 helpers (bitbucket.org).

Plain dicts in, plain dicts out; errors are the typed ones from `providers.http`. Built with
explicit URLs and a credential so it can run anywhere (web, Celery, the emulator's tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from integrations.providers.http import (
    DEFAULT_TIMEOUT,
    Credential,
    Exchange,
    GitAuthor,
    ProviderSession,
    ProviderUnavailable,
    raise_for_response,
    split_scopes,
)
from integrations.providers.paging import find_by_url, iter_cloud_values
from integrations.providers.tokens import TokenResponse, parse_token_response

PROVIDER = "bitbucket-cloud"
API_URL = "https://api.bitbucket.org"
WEB_URL = "https://bitbucket.org"
MAX_PAGELEN = 100  # Bitbucket's documented maximum for most collections

__all__ = [
    "API_URL",
    "WEB_URL",
    "BitbucketCloudClient",
    "GitAuthor",
    "TokenResponse",
    "parse_token_response",
]


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
        web_url: str = WEB_URL,
        credential: Credential | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.web_url = web_url.rstrip("/")
        self.session = ProviderSession(api_url, provider=PROVIDER, credential=credential, timeout=timeout)

    def __repr__(self) -> str:
        return f"BitbucketCloudClient(api_url={str(self.session.base_url)!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> BitbucketCloudClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def exchanges(self) -> list[Exchange]:
        """The last requests (method, path, status, duration), for users to see. No secrets."""
        return list(self.session.exchanges)

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

    def git_author(self) -> GitAuthor:
        user = self.current_user()
        name = user.get("display_name") or user.get("nickname") or user.get("username") or ""
        return GitAuthor(name=name, email=self.primary_email())

    def _probe_headers(self) -> httpx.Headers:
        """Headers of the last response, or of a probe when nothing was sent yet.

        Bitbucket sends X-OAuth-Scopes / X-Credential-Type on every response, including the
        403/404 an access token gets from /2.0/user, so only 401 and outages are errors here.
        """
        if "X-Credential-Type" in self.session.last_response_headers:
            return self.session.last_response_headers
        response = self.session.send("GET", "/2.0/user")
        if response.status_code == 401 or response.status_code >= 429:
            raise_for_response(response, provider=PROVIDER)
        return response.headers

    def granted_scopes(self) -> tuple[str, ...]:
        return split_scopes(self._probe_headers().get("X-OAuth-Scopes"))

    def credential_type(self) -> str | None:
        return self._probe_headers().get("X-Credential-Type")

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

    # --- OAuth 2.0 (the runner agent posts to the token URL; we only build and parse) ----------

    @property
    def authorize_endpoint(self) -> str:
        return f"{self.web_url}/site/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.web_url}/site/oauth2/access_token"

    def authorize_url(self, client_id: str, redirect_uri: str, state: str, scopes: Iterable[str] | None = None) -> str:
        """Bitbucket grants the scopes configured on the consumer; `scope` is sent only if asked."""
        params = {
            "client_id": client_id,
            "response_type": "code",
            "state": state,
            "redirect_uri": redirect_uri,
        }
        scope_list = list(scopes or ())
        if scope_list:
            params["scope"] = " ".join(scope_list)
        return f"{self.authorize_endpoint}?{urlencode(params)}"

    @staticmethod
    def token_request_params(
        *, code: str | None = None, redirect_uri: str | None = None, refresh_token: str | None = None
    ) -> dict[str, str]:
        """The form body for the token URL; the client authenticates with HTTP Basic (added by
        whoever holds the secret)."""
        if (code is None) == (refresh_token is None):
            raise ValueError("pass exactly one of code or refresh_token")
        if refresh_token is not None:
            return {"grant_type": "refresh_token", "refresh_token": refresh_token}
        params = {"grant_type": "authorization_code", "code": code or ""}
        if redirect_uri:
            params["redirect_uri"] = redirect_uri
        return params

    @staticmethod
    def parse_token_response(body: Any) -> TokenResponse:
        return parse_token_response(body, provider=PROVIDER)
