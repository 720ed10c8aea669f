"""HTTP access tokens (Bitbucket Server / Data Center 7.14+), pasted instead of connecting by OAuth.

The check is Appcircle's `curl --user name:token https://HOST/rest/api/1.0/repos`, sent as a Bearer token:
the instance's version first (without the token), then `/repos?limit=1` (`X-AUSERNAME` names whose token
it is), then the highest permission the token reaches on some repository. Server names no scopes and
does not say when a token expires, so the permission is the record and no expiry is kept.
"""

from __future__ import annotations

from integrations.providers.bitbucket_server.client import API, BitbucketServerClient, parse_version
from integrations.providers.bitbucket_server.spec import MIN_TOKEN_VERSION
from integrations.providers.http import BearerToken, Credential, Forbidden, NotFound, ProviderError, Unauthorized
from integrations.providers.protocol import Identity, TokenCheck, TokenKind, TokenRejected

HTTP_ACCESS_TOKEN = "http-access-token"

TOKEN_KINDS = (
    TokenKind(
        id=HTTP_ACCESS_TOKEN, label="HTTP access token", token_label="HTTP access token",
        login_label="Your user slug (for a personal token; empty for a project or repository token)",
        login_required=False, shareable=True,
        how_to="Personal: your avatar → Manage account → HTTP access tokens → Create token, with Project read and "
               "Repository read (Repository admin only while org admins install project webhooks). Project or "
               "repository tokens: the project's or repository's settings → HTTP access tokens. Needs Bitbucket "
               "7.14 or later.",
        docs_url="https://confluence.atlassian.com/bitbucketserver/http-access-tokens-939515499.html",
    ),
)

# Highest first: the first level that lists a repository is what the token reaches.
_LEVELS = ("REPO_ADMIN", "REPO_WRITE", "REPO_READ")
_BROAD_WARNING = ("This personal token reaches every repository its owner can. Prefer a project or repository "
                  "token, or a token of a bot user with access to only what the portal needs.")
_ADMIN_WARNING = ("This token has REPO_ADMIN, which only installing project webhooks needs: after the projects are "
                  "set up, replace it with a read (or write) token.")


def token_credential(kind: str, *, login: str, token: str) -> Credential:
    return BearerToken(token, kind=kind)


def _version_check(client: BitbucketServerClient) -> str:
    version = str(client.application_properties().get("version", ""))
    try:
        found = parse_version(version)
    except ValueError:
        found = ()
    if found and found < MIN_TOKEN_VERSION:
        raise TokenRejected(f"This Bitbucket Server runs {version[:32]}; HTTP access tokens need 7.14 or later. "
                            "Ask its administrator to upgrade.", reason="too_old")
    return version


def check_token(client: BitbucketServerClient, *, login: str) -> TokenCheck:
    """Raises TokenRejected for a token Bitbucket refuses for good; ProviderError for transient failures."""
    _version_check(client)
    try:
        first = client.session.get_json(f"{API}/repos", params={"limit": 1})
    except (Unauthorized, Forbidden):
        raise TokenRejected("Bitbucket Server refused this token: it is wrong, expired or revoked (Bitbucket "
                            "does not say which). Create a new one and enter it here.", reason="invalid") from None
    slug = client.session.last_response_headers.get("X-AUSERNAME") or ""
    if not slug:
        raise TokenRejected("Bitbucket Server served the check anonymously: it did not accept this token.",
                            reason="invalid")
    if client.detect_misconfigured_base_url(first):
        raise TokenRejected("This Bitbucket Server's links point at localhost: its Base URL is not set, so clone "
                            "URLs and webhooks would be wrong. Ask its administrator to set Administration → Server "
                            "settings → Base URL.", reason="misconfigured")
    wanted = login.strip().lower()
    identity = _identity(client, slug)
    is_user = identity is not None
    if wanted and wanted != slug.lower():
        raise TokenRejected(f"This token belongs to {slug}, not {login.strip()}. Enter the slug of the token's owner, "
                            "or leave it empty for a project or repository token.", reason="wrong_login")
    level, resource = _reach(client, is_user=is_user)
    if level is None:
        raise TokenRejected("This token reaches no repository. Give it Repository read (or Project read).",
                            reason="insufficient_scope", missing_scopes=("REPO_READ",))
    warnings = []
    if is_user:
        warnings.append(_BROAD_WARNING)
    if level == "REPO_ADMIN":
        warnings.append(_ADMIN_WARNING)
    return TokenCheck(identity=identity, scopes=(level,), credential_type=HTTP_ACCESS_TOKEN, resource=resource,
                      expires_at=None, warnings=tuple(warnings))


def _identity(client: BitbucketServerClient, slug: str) -> Identity | None:
    """The token's user; None for project and repository tokens (their bot user is not a person)."""
    try:
        user = client.user(slug)
    except (NotFound, Forbidden, Unauthorized):
        return None
    return Identity(account_id=str(user.get("id") or slug), username=str(user.get("slug") or slug),
                    display_name=str(user.get("displayName") or ""),
                    git_author_name=str(user.get("displayName") or user.get("name") or slug),
                    git_author_email=str(user.get("emailAddress") or ""))


def _reach(client: BitbucketServerClient, *, is_user: bool) -> tuple[str | None, str]:
    """The highest permission the token holds on some repository, and (for bot tokens) what it reaches."""
    for level in _LEVELS:
        try:
            body = client.repository_page(permission=level, limit=2)
        except ProviderError as exc:
            if exc.status in (400, 401, 403):
                continue
            raise
        values = [v for v in body["values"] if isinstance(v, dict)]
        if values:
            resource = "" if is_user else _resource(values, last=bool(body.get("isLastPage", True)))
            return level, resource
    return None, ""


def _resource(values: list[dict], *, last: bool) -> str:
    key = str((values[0].get("project") or {}).get("key") or "")
    if len(values) == 1 and last:
        return f"repository {key}/{values[0].get('slug')}"
    return f"project {key}"

