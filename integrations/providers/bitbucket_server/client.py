"""Bitbucket Server / Data Center REST 1.0 client.

`base_url` is the instance URL including any context path (`https://git.example.com/bitbucket`).
OAuth (authorize URL, grants, PKCE) is `integrations.providers.oauth`; token responses `providers.tokens`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from integrations.providers.bitbucket_server.errors import raise_for_response
from integrations.providers.http import (
    DEFAULT_TIMEOUT,
    Credential,
    ProviderSession,
    ProviderUnavailable,
    Unauthorized,
)
from integrations.providers.paging import find_by_url, iter_server_values
from integrations.providers.protocol import Identity

PROVIDER = "bitbucket-server"
API = "/rest/api/1.0"
PAGE_LIMIT = 100
SCOPES = ("PUBLIC_REPOS", "REPO_READ", "REPO_WRITE", "REPO_ADMIN", "PROJECT_ADMIN")

__all__ = ["SCOPES", "BitbucketServerClient", "parse_version"]


def parse_version(version: str) -> tuple[int, ...]:
    """`8.15.0` -> (8, 15, 0); suffixes such as `-rc1` are ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("-")[0]))


def _seg(value: str | int) -> str:
    # `~` stays literal: personal projects are addressed as `~{userSlug}` in REST paths.
    return quote(str(value), safe="~")


def _repo_path(project: str, slug: str) -> str:
    return f"{API}/projects/{_seg(project)}/repos/{_seg(slug)}"


def _hrefs(data: Any) -> Iterator[str]:
    """Every `href` in a response (links are `{"self": [{"href": ...}]}` and nest in values)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "href" and isinstance(value, str):
                yield value
            else:
                yield from _hrefs(value)
    elif isinstance(data, list):
        for item in data:
            yield from _hrefs(item)


class BitbucketServerClient:
    """One credential against one Bitbucket Server / Data Center instance."""

    def __init__(
        self,
        base_url: str,
        *,
        credential: Credential | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.session = ProviderSession(base_url, provider=PROVIDER, credential=credential, timeout=timeout,
                                       classify=lambda response: raise_for_response(response, provider=PROVIDER))
        self._username: str | None = None

    def __repr__(self) -> str:
        return f"BitbucketServerClient({str(self.session.base_url)!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> BitbucketServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- instance -----------------------------------------------------------------------------

    def application_properties(self) -> dict[str, Any]:
        """Version, buildNumber, displayName. Sent without credentials: it needs none, and an
        admin registering a host must not send a token to a URL before it is known to be Bitbucket."""
        body = self.session.get_json(f"{API}/application-properties", authenticated=False)
        if not isinstance(body, dict) or "version" not in body:
            raise ProviderUnavailable(
                "application-properties has no version; is this a Bitbucket Server URL?",
                provider=PROVIDER,
                status=200,
            )
        return body

    def detect_misconfigured_base_url(self, data: Any) -> bool:
        """True when links point at `localhost` but we reach the instance elsewhere: the
        admin's Base URL setting was never set, so clone links and webhooks would be wrong."""
        if self.session.base_url.host == "localhost":
            return False
        return any(urlsplit(href).hostname == "localhost" for href in _hrefs(data))

    # --- identity -----------------------------------------------------------------------------

    def current_username(self) -> str | None:
        """The user slug from `X-AUSERNAME`, which Bitbucket adds to every authenticated
        response. None means the request was served anonymously (credential not accepted)."""
        if self._username is None:
            headers = self.session.last_response_headers
            if "X-AUSERNAME" not in headers:
                # application-properties is cheap and any authenticated answer carries the header
                response = self.session.send("GET", f"{API}/application-properties")
                self.session.classify(response)
                headers = response.headers
            self._username = headers.get("X-AUSERNAME") or None
        return self._username

    def user(self, slug: str) -> dict[str, Any]:
        return self.session.get_json(f"{API}/users/{_seg(slug)}")

    def identity(self, *, token_scopes: Iterable[str] = (), author_email: bool = True) -> Identity:
        """The token's user and git author. Server names no scopes on API responses, so the token
        response's `scope` (`token_scopes`) is the record."""
        slug = self.current_username()
        if slug is None:
            raise Unauthorized("the token was not accepted (served anonymously)", provider=PROVIDER)
        user = self.user(slug)
        return Identity(
            account_id=str(user.get("id") or slug),
            username=str(user.get("slug") or slug),
            display_name=str(user.get("displayName") or ""),
            git_author_name=str(user.get("displayName") or user.get("name") or slug),
            git_author_email=str(user.get("emailAddress") or ""),
            scopes=tuple(token_scopes),
        )

    # --- projects and repositories ------------------------------------------------------------

    def projects(self, *, limit: int = PAGE_LIMIT) -> list[dict[str, Any]]:
        return list(iter_server_values(self.session, f"{API}/projects", limit=limit))

    def repositories(
        self, project_key: str | None = None, permission: str | None = "REPO_READ", *, limit: int = PAGE_LIMIT
    ) -> list[dict[str, Any]]:
        """Every repository the user holds `permission` on; the whole list or an error."""
        params: dict[str, Any] = {}
        if permission:
            params["permission"] = permission
        if project_key:
            params["projectkey"] = project_key
        return list(iter_server_values(self.session, f"{API}/repos", params, limit=limit))

    def repository_page(
        self, *, project_key: str | None = None, name: str | None = None, permission: str | None = "REPO_READ",
        start: int = 0, limit: int = 25,
    ) -> dict[str, Any]:
        """One page of `/repos` (`values`, `isLastPage`, `nextPageStart`), for pickers that page on demand."""
        params: dict[str, Any] = {"start": max(0, start), "limit": max(1, min(limit, 1000))}
        for key, value in (("projectkey", project_key), ("name", name), ("permission", permission)):
            if value:
                params[key] = value
        body = self.session.get_json(f"{API}/repos", params=params)
        if not isinstance(body, dict) or not isinstance(body.get("values"), list):
            raise ProviderUnavailable("unexpected page: no `values` list", provider=PROVIDER, method="GET",
                                      path=f"{API}/repos")
        return body

    def repository(self, project: str, slug: str) -> dict[str, Any]:
        """`project` may be a personal project key, `~{userSlug}`."""
        return self.session.get_json(_repo_path(project, slug))

    def branches(
        self, project: str, slug: str, filter_text: str | None = None, *, limit: int = PAGE_LIMIT
    ) -> list[dict[str, Any]]:
        params = {"filterText": filter_text} if filter_text else None
        return list(iter_server_values(self.session, f"{_repo_path(project, slug)}/branches", params, limit=limit))

    def commit(self, project: str, slug: str, commit_id: str) -> dict[str, Any]:
        return self.session.get_json(f"{_repo_path(project, slug)}/commits/{_seg(commit_id)}")

    def pull_request(self, project: str, slug: str, pr_id: int) -> dict[str, Any]:
        return self.session.get_json(f"{_repo_path(project, slug)}/pull-requests/{int(pr_id)}")

    # --- webhooks (need REPO_ADMIN) -----------------------------------------------------------

    def webhooks(self, project: str, slug: str) -> list[dict[str, Any]]:
        return list(iter_server_values(self.session, f"{_repo_path(project, slug)}/webhooks"))

    def create_webhook(
        self,
        project: str,
        slug: str,
        *,
        name: str,
        url: str,
        events: Iterable[str],
        secret: str | None = None,
        active: bool = True,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "url": url, "events": list(events), "active": active}
        if secret is not None:
            body["configuration"] = {"secret": secret}
        return self.session.request_json("POST", f"{_repo_path(project, slug)}/webhooks", json_body=body)

    def update_webhook(
        self,
        project: str,
        slug: str,
        webhook_id: int,
        *,
        name: str | None = None,
        url: str | None = None,
        events: Iterable[str] | None = None,
        secret: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        fields = {"name": name, "url": url, "active": active}
        body: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if events is not None:
            body["events"] = list(events)
        if secret is not None:
            body["configuration"] = {"secret": secret}
        path = f"{_repo_path(project, slug)}/webhooks/{int(webhook_id)}"
        return self.session.request_json("PUT", path, json_body=body)

    def delete_webhook(self, project: str, slug: str, webhook_id: int) -> None:
        self.session.request_json("DELETE", f"{_repo_path(project, slug)}/webhooks/{int(webhook_id)}")

    def find_webhook_by_url(self, project: str, slug: str, url: str) -> dict[str, Any] | None:
        return find_by_url(self.webhooks(project, slug), url)
