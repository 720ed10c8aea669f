"""Pasted GitHub tokens: classic and fine-grained personal access tokens, checked against `/user`.

Classic tokens name their scopes in `X-OAuth-Scopes`; fine-grained tokens name none, so the check asks for
what the portal needs instead (a repository listing) and says that their permissions cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.providers.github.client import GitHubClient
from integrations.providers.http import BearerToken, Unauthorized
from integrations.providers.protocol import TokenCheck, TokenKind, TokenRejected

KIND = "personal-access-token"
# What a classic token needs for the portal's work; the rest of the dialog's scopes are welcome, not required.
REQUIRED_CLASSIC = ("repo",)
WANTED_CLASSIC = ("read:user", "user:email")
IMPLIED = {"user": ("read:user", "user:email")}

TOKEN_KINDS = (
    TokenKind(id=KIND, label="Personal access token", token_label="Token",
              how_to="GitHub → Settings → Developer settings → Personal access tokens. Classic: tick repo, "
                     "read:user and user:email. Fine-grained: the repositories you work on, with Contents "
                     "(read and write), Metadata, Pull requests and Issues (read).",
              docs_url="https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/"
                       "managing-your-personal-access-tokens"),
)


def _granted(scopes: tuple[str, ...]) -> set[str]:
    out = set(scopes)
    for scope in scopes:
        out.update(IMPLIED.get(scope, ()))
    return out


def check_token(client: GitHubClient) -> TokenCheck:
    try:
        identity = client.identity()
    except Unauthorized:
        raise TokenRejected("GitHub did not accept this token: it is wrong, expired or revoked. Create a new one "
                            "and paste it again.", reason="invalid") from None
    # /user's headers: read before identity() asked for the email addresses.
    scopes = client.header_scopes_of_user
    expires_at = client.expires_at_of_user
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise TokenRejected("This GitHub token has expired. Regenerate it and paste the new one.", reason="expired")
    warnings: list[str] = []
    if scopes is None:
        # Fine-grained: no scopes to read. Ask for what the portal does with it instead.
        if not client.visible_repositories(limit=1):
            warnings.append("This fine-grained token sees no repositories: give it access to the repositories you "
                            "work on (Contents: read and write).")
        warnings.append("GitHub does not report the permissions of fine-grained tokens; the portal finds out "
                        "when it uses the token.")
        return TokenCheck(identity=identity, scopes=(), credential_type="fine-grained", expires_at=expires_at,
                          warnings=tuple(warnings))
    have = _granted(scopes)
    missing = tuple(s for s in REQUIRED_CLASSIC if s not in have)
    if missing:
        raise TokenRejected(f"This GitHub token lacks the {', '.join(missing)} scope, which cloning and pushing "
                            "need. Edit the token on GitHub, tick it, and paste the token again.",
                            reason="insufficient_scope", missing_scopes=missing)
    lacking = [s for s in WANTED_CLASSIC if s not in have]
    if lacking:
        warnings.append(f"Without {', '.join(lacking)} the git author email is GitHub's no-reply address.")
    return TokenCheck(identity=identity, scopes=scopes, credential_type="classic", expires_at=expires_at,
                      warnings=tuple(warnings))


def credential(token: str) -> BearerToken:
    return BearerToken(token, kind=KIND)
