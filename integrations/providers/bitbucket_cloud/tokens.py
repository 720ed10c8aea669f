"""Tokens users paste instead of connecting Bitbucket Cloud by OAuth: API tokens (Atlassian email + token,
HTTP Basic), repository / project / workspace access tokens (Bearer) and legacy app passwords (Basic).

Each is checked against the API before the portal stores it: `/2.0/user` for tokens of a user, the
repository or workspace it belongs to for access tokens. `X-Credential-Type` and `X-OAuth-Scopes` are
read and kept. Bitbucket does not say when a token expires, so no expiry is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping

from integrations.providers.bitbucket_cloud.client import BitbucketCloudClient, _seg
from integrations.providers.http import (
    BasicCredentials,
    BearerToken,
    Credential,
    InsufficientScope,
    NotFound,
    Unauthorized,
    split_scopes,
)
from integrations.providers.protocol import Identity, TokenCheck, TokenKind, TokenRejected

API_TOKEN, ACCESS_TOKEN, APP_PASSWORD = "api-token", "access-token", "app-password"

TOKEN_KINDS = (
    TokenKind(
        id=API_TOKEN, label="API token", token_label="API token", login_label="Atlassian account email",
        login_required=True, shareable=True,
        login_email_message="An API token goes with your Atlassian account email (name@example.com), not your "
                            "Bitbucket username.",
        how_to="On bitbucket.org: your avatar → Account settings → Security → Create and manage API tokens → "
               "Create API token with scopes → Bitbucket. Tick read:user, read:workspace, read:repository and "
               "read:pullrequest (and read:webhook + write:webhook if org admins will create projects with it). "
               "Enter it with your Atlassian account email, not your Bitbucket username.",
        docs_url="https://support.atlassian.com/bitbucket-cloud/docs/create-an-api-token/",
    ),
    TokenKind(
        id=ACCESS_TOKEN, label="Access token (repository, project or workspace)", token_label="Access token",
        login_label="What it belongs to: workspace/repository, or a workspace", login_required=True,
        shareable=True,
        how_to="Repository settings → Security → Access tokens → Create (or the same under a project's or "
               "workspace's settings). Tick Repositories: Read and Pull requests: Read (and Webhooks: Read and "
               "write for projects). It reaches only that repository, project or workspace.",
        docs_url="https://support.atlassian.com/bitbucket-cloud/docs/access-tokens/",
    ),
    TokenKind(
        id=APP_PASSWORD, label="App password (legacy)", token_label="App password", login_label="Bitbucket username",
        login_required=True, legacy=True,
        how_to="App passwords can no longer be created and Bitbucket stopped accepting them in 2026. Use an API "
               "token instead.",
        docs_url="https://support.atlassian.com/bitbucket-cloud/docs/app-passwords/",
    ),
)

# What the portal needs a token of each kind to have (fine-grained API-token scopes or the classic ones).
API_TOKEN_SCOPES = {"read:user:bitbucket": "read who you are for the git author identity",
                    "read:repository:bitbucket": "clone repositories and parse context URLs"}
CLASSIC_SCOPES = {"repository": "clone repositories and parse context URLs"}
_ADMIN_SCOPES = frozenset({"webhook", "repository:admin", "write:webhook:bitbucket", "admin:repository:bitbucket",
                           "delete:repository:bitbucket", "admin:project:bitbucket", "admin:workspace:bitbucket"})
_BROAD_WARNING = ("This token reaches every repository its owner can. Prefer a repository access token, or an API "
                  "token of a bot user that is a member of only the repositories the portal needs.")
_ADMIN_WARNING = ("This token has admin rights (webhooks). Only installing project webhooks needs them: after the "
                  "projects are set up, replace it with a token without them.")
_APP_PASSWORD_WARNING = ("App passwords are a legacy credential that Bitbucket no longer accepts everywhere. Replace "
                         "this one with an API token (Atlassian email + token).")
APP_PASSWORDS_GONE = ("Bitbucket no longer accepts app passwords (they were retired in 2026). Create an API token "
                      "instead: Account settings → Security → Create and manage API tokens → Create API token with "
                      "scopes, then connect with your Atlassian account email and that token.")


def token_credential(kind: str, *, login: str, token: str) -> Credential:
    if kind in (API_TOKEN, APP_PASSWORD):
        return BasicCredentials(login, token, kind=kind)
    return BearerToken(token, kind=kind)


def _scope_reason(scope: str) -> str:
    return API_TOKEN_SCOPES.get(scope) or CLASSIC_SCOPES.get(scope) or "this check"


def _rejected_401(exc: Unauthorized, kind: str, login: str) -> TokenRejected:
    """Bitbucket's 401 in the user's terms; its message tells expired and revoked tokens apart."""
    said = exc.detail.lower()
    if kind == APP_PASSWORD and "app password" in said:
        return TokenRejected(APP_PASSWORDS_GONE, reason="legacy_disabled")
    if "expired" in said:
        return TokenRejected("Bitbucket says this token has expired. Create a new one and enter it here.",
                             reason="expired")
    if "revoked" in said:
        return TokenRejected("Bitbucket says this token was revoked. Create a new one and enter it here.",
                             reason="revoked")
    if kind == API_TOKEN:
        return TokenRejected(f"Bitbucket refused the email {login} with this API token. An API token goes with the "
                             "Atlassian account email (not the Bitbucket username); check both, and that the token "
                             "has not expired or been revoked.", reason="wrong_login")
    if kind == APP_PASSWORD:
        return TokenRejected(f"Bitbucket refused the username {login} with this app password. "
                             + APP_PASSWORDS_GONE, reason="invalid")
    return TokenRejected("Bitbucket refused this access token: it is wrong, expired or revoked.", reason="invalid")


def _rejected_scope(exc: InsufficientScope) -> TokenRejected:
    missing = tuple(exc.missing_scopes)
    named = ", ".join(f"{s} (to {_scope_reason(s)})" for s in missing) or "a scope this check needs"
    return TokenRejected(f"The token lacks {named}. Create a token with it ticked.", reason="insufficient_scope",
                         missing_scopes=missing)


def _missing(scopes: tuple[str, ...], kind: str, implied: set[str]) -> tuple[str, ...]:
    wanted = API_TOKEN_SCOPES if kind == API_TOKEN else CLASSIC_SCOPES
    return tuple(s for s in wanted if s not in implied)


def _warnings(kind: str, scopes: tuple[str, ...], implied: set[str]) -> tuple[str, ...]:
    out = []
    if kind == APP_PASSWORD:
        out.append(_APP_PASSWORD_WARNING)
    if kind in (API_TOKEN, APP_PASSWORD):
        out.append(_BROAD_WARNING)
    if implied & _ADMIN_SCOPES:
        out.append(_ADMIN_WARNING)
    return tuple(out)


def check_token(client: BitbucketCloudClient, *, kind: str, login: str, options: Mapping[str, str],
                implications) -> TokenCheck:
    """Raises TokenRejected for a token Bitbucket refuses for good; ProviderError for transient failures."""
    try:
        if kind == ACCESS_TOKEN:
            identity, resource = None, _access_token_resource(client, login, options)
        else:
            identity, resource = _user_identity(client, kind, login), ""
    except Unauthorized as exc:
        raise _rejected_401(exc, kind, login) from None
    except InsufficientScope as exc:
        raise _rejected_scope(exc) from None
    headers = client.session.last_response_headers
    scopes = split_scopes(headers.get("X-OAuth-Scopes"))
    implied = implications(scopes)
    missing = _missing(scopes, kind, implied)
    if missing:
        named = ", ".join(f"{s} (to {_scope_reason(s)})" for s in missing)
        raise TokenRejected(f"The token lacks {named}. Create a token with it ticked.", reason="insufficient_scope",
                            missing_scopes=missing)
    workspace = (options.get("workspace") or "").strip().lower()
    # "repository acme/webapp", "project PLAT in acme", "workspace acme": the workspace is in the last word.
    if workspace and kind == ACCESS_TOKEN and resource.split()[-1].split("/")[0].lower() != workspace:
        raise TokenRejected(f"This integration is limited to the workspace {workspace}; the token belongs to "
                            f"{resource}.", reason="wrong_kind")
    return TokenCheck(identity=identity, scopes=scopes, credential_type=str(headers.get("X-Credential-Type") or ""),
                      resource=resource, expires_at=None, warnings=_warnings(kind, scopes, implied))


def _user_identity(client: BitbucketCloudClient, kind: str, login: str) -> Identity:
    identity = client.identity()
    email = identity.git_author_email or (login if kind == API_TOKEN else "")
    return Identity(account_id=identity.account_id, username=identity.username,
                    display_name=identity.display_name, git_author_name=identity.git_author_name,
                    git_author_email=email, scopes=identity.scopes)


def _access_token_resource(client: BitbucketCloudClient, login: str, options: Mapping[str, str]) -> str:
    """An access token has no user: ask for what it says it belongs to, and read its kind from the answer."""
    target = login.strip().strip("/") or (options.get("workspace") or "").strip()
    if not target:
        raise TokenRejected("Say what the access token belongs to: workspace/repository for a repository token, "
                            "or the workspace for a project or workspace token.", reason="wrong_kind")
    workspace, _, slug = target.partition("/")
    try:
        if slug:
            repo = client.repository(workspace, slug)
            kind = client.session.last_response_headers.get("X-Credential-Type", "")
            if kind == "workspace_access_token":
                return f"workspace {workspace}"
            if kind == "project_access_token":
                return f"project {(repo.get('project') or {}).get('key') or '?'} in {workspace}"
            return f"repository {repo.get('full_name') or target}"
        body = client.session.get_json(f"/2.0/repositories/{_seg(workspace)}",
                                       params={"pagelen": 1, "role": "member"})
    except NotFound:
        raise TokenRejected(f"The token cannot see {target}: check what it belongs to (workspace/repository, or the "
                            "workspace).", reason="wrong_kind") from None
    kind = client.session.last_response_headers.get("X-Credential-Type", "")
    if kind == "project_access_token":
        values = body.get("values") if isinstance(body, dict) else None
        project = (values[0].get("project") or {}).get("key") if values else ""
        return f"project {project} in {workspace}" if project else f"a project in {workspace}"
    if kind == "repo_access_token":
        raise TokenRejected("This is a repository access token: enter workspace/repository as what it belongs to.",
                            reason="wrong_kind")
    return f"workspace {workspace}"
