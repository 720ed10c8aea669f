"""Pasted GitLab tokens: personal, group and project access tokens, checked against
`/personal_access_tokens/self` (scopes, expiry, revoked) and `/user` (whose token: a person or a bot)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from integrations.providers.gitlab.client import GitLabClient
from integrations.providers.http import BearerToken, InsufficientScope, ProviderError, Unauthorized
from integrations.providers.protocol import TokenCheck, TokenKind, TokenRejected

KIND = "personal-access-token"
ACCESS_KIND = "access-token"
# Reading the API and cloning are what the portal cannot do without; `api` covers `read_api`.
REQUIRED = (("read_api", "api"), ("read_repository", "write_repository"))

TOKEN_KINDS = (
    TokenKind(id=KIND, label="Personal access token",
              how_to="GitLab → Edit profile → Access tokens → Add new token: tick read_user, read_api, "
                     "read_repository and write_repository.",
              docs_url="https://docs.gitlab.com/user/profile/personal_access_tokens/"),
    TokenKind(id=ACCESS_KIND, label="Group or project access token",
              how_to="The group's or project's Settings → Access tokens: role Developer, scopes read_api, "
                     "read_repository and write_repository. It acts as a bot user of that group or project.",
              docs_url="https://docs.gitlab.com/user/project/settings/project_access_tokens/", shareable=True),
)


def _expiry(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    # GitLab tokens expire at the start of their expiry date (UTC).
    return datetime.combine(day, time.min, tzinfo=UTC)


def check_token(client: GitLabClient, *, kind: str) -> TokenCheck:
    try:
        described = client.token_self()
    except Unauthorized as exc:
        detail = exc.detail.lower()
        if "expired" in detail:
            raise TokenRejected("This GitLab token has expired. Create a new one and paste it.",
                                reason="expired") from None
        if "revoked" in detail:
            raise TokenRejected("This GitLab token was revoked. Create a new one and paste it.",
                                reason="revoked") from None
        raise TokenRejected("GitLab did not accept this token: it is wrong, or not a personal, group or project "
                            "access token.", reason="invalid") from None
    except InsufficientScope:
        raise TokenRejected("This GitLab token may not read the API: add the read_api scope.",
                            reason="insufficient_scope", missing_scopes=("read_api",)) from None
    scopes = tuple(str(s) for s in described.get("scopes") or ())
    expires_at = _expiry(described.get("expires_at"))
    if described.get("revoked"):
        raise TokenRejected("This GitLab token was revoked. Create a new one and paste it.", reason="revoked")
    if described.get("active") is False or (expires_at is not None and expires_at <= datetime.now(UTC)):
        raise TokenRejected("This GitLab token has expired. Create a new one and paste it.", reason="expired")
    missing = tuple(group[0] for group in REQUIRED if not set(group) & set(scopes))
    if missing:
        raise TokenRejected(f"This GitLab token lacks the {', '.join(missing)} scope. Create a token with "
                            "read_api, read_repository and write_repository.", reason="insufficient_scope",
                            missing_scopes=missing)
    warnings = []
    if "write_repository" not in scopes:
        warnings.append("Without write_repository, environments cannot push.")
    try:
        identity = client.identity(token_scopes=scopes)
    except ProviderError:
        identity = None
    bot = identity is not None and identity.username.endswith("_bot") or kind == ACCESS_KIND
    if bot and identity is not None:
        warnings.append("This token acts as a bot user of its group or project, not as a person.")
    return TokenCheck(identity=identity, scopes=scopes, credential_type="access-token" if bot else "personal",
                      resource=str(described.get("name") or ""), expires_at=expires_at, warnings=tuple(warnings))


def credential(token: str, kind: str) -> BearerToken:
    return BearerToken(token, kind=kind)
