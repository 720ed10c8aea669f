"""A user's account and token on each Bitbucket flavour, seeded through the emulator's control API, and a
browser stand-in for consent pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from emulator.testing import RunningEmulator
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import BearerToken, Credential


@dataclass
class CloudAccount:
    emulator: RunningEmulator
    token: str  # alice's OAuth access token (default consumer scopes)

    def client(self, credential: Credential | None = None, **kwargs) -> BitbucketCloudClient:
        return BitbucketCloudClient(
            api_url=self.emulator.cloud_api_url,
            credential=credential or BearerToken(self.token),
            **kwargs,
        )

    def token_for(self, kind: str = "oauth", **body) -> str:
        return self.emulator.control("POST", "/cloud/tokens", json={"kind": kind, **body})["token"]


@dataclass
class ServerAccount:
    emulator: RunningEmulator
    token: str  # bob's user-level HTTP access token with REPO_ADMIN

    def client(self, credential: Credential | None = None, **kwargs) -> BitbucketServerClient:
        return BitbucketServerClient(
            self.emulator.server_url, credential=credential or BearerToken(self.token), **kwargs
        )

    def token_for(self, **body) -> str:
        return self.emulator.control("POST", "/server/tokens", json=body)["token"]


def seed_cloud_repos(emulator: RunningEmulator, workspace: str, count: int) -> list[str]:
    slugs = [f"repo-{i:02d}" for i in range(count)]
    for slug in slugs:
        emulator.control("POST", "/cloud/repositories", json={"workspace": workspace, "slug": slug})
    return slugs


def seed_server_repos(emulator: RunningEmulator, project: str, count: int) -> list[str]:
    slugs = [f"svc-{i:02d}" for i in range(count)]
    for slug in slugs:
        emulator.control("POST", "/server/repositories", json={"project": project, "slug": slug})
    return slugs


def grant_on_consent_page(authorize_url: str, *, user: str) -> dict[str, str]:
    """Drive the plain-HTML consent page like a browser: GET it, POST its form, read the redirect."""
    with httpx.Client(timeout=10.0, follow_redirects=False) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
        answer = browser.post(
            httpx.URL(authorize_url).join(action),
            data={"request_id": request_id, "user": user, "action": "grant"},
        )
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return {key: values[-1] for key, values in query.items()}
