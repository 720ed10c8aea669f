"""Who a token belongs to, its git author identity, and the scopes it was granted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from integrations.models import ScmIntegration
from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient
from integrations.providers.bitbucket_server.client import BitbucketServerClient
from integrations.providers.http import BearerToken, InsufficientScope, Unauthorized, split_scopes

# A broader scope includes the narrower ones, so "repository:write" satisfies "repository".
_IMPLIES: dict[str, tuple[str, ...]] = {
    "repository:admin": ("repository:write",),
    "repository:write": ("repository",),
    "pullrequest:write": ("pullrequest", "repository:write"),
    "pullrequest": ("repository",),
    "issue:write": ("issue",),
    "webhook": (),
    "PROJECT_ADMIN": ("REPO_ADMIN",),
    "REPO_ADMIN": ("REPO_WRITE",),
    "REPO_WRITE": ("REPO_READ",),
    "REPO_READ": ("PUBLIC_REPOS",),
}


def effective_scopes(granted: Iterable[str]) -> set[str]:
    out: set[str] = set()
    pending = list(granted)
    while pending:
        scope = pending.pop()
        if scope not in out:
            out.add(scope)
            pending.extend(_IMPLIES.get(scope, ()))
    return out


def missing_scopes(integration: ScmIntegration, granted: Iterable[str]) -> list[str]:
    have = effective_scopes(granted)
    return [s for s in integration.spec.required_scopes() if s not in have]


@dataclass(frozen=True)
class Identity:
    account_id: str
    username: str
    display_name: str
    git_author_name: str
    git_author_email: str
    scopes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        return data


def cloud_client(access_token: str) -> BitbucketCloudClient:
    return BitbucketCloudClient(api_url=settings.BITBUCKET_CLOUD_API_URL, web_url=settings.BITBUCKET_CLOUD_WEB_URL,
                                credential=BearerToken(access_token))


@sensitive_variables("access_token")
def fetch_identity(integration: ScmIntegration, access_token: str, token_scopes: Iterable[str] = ()) -> Identity:
    """Raises the typed provider errors of `providers.http` (Unauthorized, InsufficientScope, ...)."""
    if integration.provider == "bitbucket-cloud":
        with cloud_client(access_token) as client:
            user = client.current_user()
            header_scopes = split_scopes(client.session.last_response_headers.get("X-OAuth-Scopes"))
            try:
                email = client.primary_email() or ""
            except InsufficientScope:
                # Connected without the `email` scope: the identity stands, the author email stays empty.
                email = ""
        name = user.get("display_name") or user.get("nickname") or user.get("username") or ""
        return Identity(
            account_id=str(user.get("uuid") or user.get("account_id") or ""),
            username=str(user.get("username") or user.get("nickname") or ""),
            display_name=str(user.get("display_name") or ""),
            git_author_name=str(name),
            git_author_email=str(email),
            scopes=header_scopes or tuple(token_scopes),
        )
    if integration.provider == "bitbucket-server":
        with BitbucketServerClient(integration.host, credential=BearerToken(access_token)) as client:
            slug = client.current_username()
            if slug is None:
                raise Unauthorized("the token was not accepted (served anonymously)", provider=integration.provider)
            user = client.user(slug)
        name = user.get("displayName") or user.get("name") or slug
        # Server names no scopes on API responses; the token response's `scope` is the record.
        return Identity(
            account_id=str(user.get("id") or slug),
            username=str(user.get("slug") or slug),
            display_name=str(user.get("displayName") or ""),
            git_author_name=str(name),
            git_author_email=str(user.get("emailAddress") or ""),
            scopes=tuple(token_scopes),
        )
    raise ValueError(f"OAuth connections are not supported for {integration.provider}")
