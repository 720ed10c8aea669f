"""OAuth 2.0 authorization-code flow pieces for every provider: PKCE, the authorize URL, the grants.

The portal only builds these: the runner agent adds the client credentials and posts a grant to the
token URL sealed with the secret, and `tokens.parse_token_response` reads the answer.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from urllib.parse import urlencode


def make_pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for PKCE S256 (RFC 7636): 43-128 unreserved chars."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorize_url(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    scopes: Iterable[str] = (),
    code_challenge: str | None = None,
    scope_separator: str = " ",
) -> str:
    """The consent page URL. `scope` is left out when empty: Bitbucket Cloud then grants the
    consumer's own permissions."""
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code"}
    scope = scope_separator.join(scopes)
    if scope:
        params["scope"] = scope
    if code_challenge:
        params.update(code_challenge=code_challenge, code_challenge_method="S256")
    params["state"] = state
    return f"{endpoint}?{urlencode(params)}"


def authorization_code_grant(*, code: str, redirect_uri: str, code_verifier: str | None = None) -> dict[str, str]:
    """The token request for a code (RFC 6749 4.1.3), with the PKCE verifier when the flow had one."""
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier:
        grant["code_verifier"] = code_verifier
    return grant


def refresh_grant(*, refresh_token: str) -> dict[str, str]:
    """The token request for a refresh (RFC 6749 6)."""
    return {"grant_type": "refresh_token", "refresh_token": refresh_token}
