"""Pieces both OAuth 2.0 flavours share: the consent page, codes, PKCE, client authentication."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from emulator.httpcore import HttpError, Request, Response
from emulator.store import AuthorizationCode, PendingAuthorization, State, new_secret

CODE_TTL_SECONDS = 600


def oauth_error(status: int, error: str, description: str) -> HttpError:
    return HttpError(Response.json(status, {"error": error, "error_description": description},
                                   [("Cache-Control", "no-store")]))


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def bearer_token(request: Request) -> str | None:
    header = request.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Client authentication by HTTP Basic, or client_id/client_secret in the form body."""
    basic = basic_credentials(request)
    if basic:
        return basic
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if client_id and client_secret:
        return client_id, client_secret
    raise oauth_error(401, "invalid_client", "Client credentials missing")


def secrets_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def add_query(url: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def start_authorization(state: State, pending: PendingAuthorization) -> str:
    request_id = new_secret(length=16)
    state.pending[request_id] = pending
    return request_id


def issue_code(state: State, pending: PendingAuthorization, username: str) -> str:
    code = new_secret(length=24)
    state.codes[code] = AuthorizationCode(
        flavour=pending.flavour,
        client_id=pending.client_id,
        username=username,
        scopes=list(pending.scopes),
        redirect_uri=pending.redirect_uri if pending.redirect_uri_given else None,
        code_challenge=pending.code_challenge,
        code_challenge_method=pending.code_challenge_method,
        expires_at=time.time() + CODE_TTL_SECONDS,
    )
    return code


def consume_code(state: State, flavour: str, code: str, client_id: str,
                 redirect_uri: str | None) -> AuthorizationCode:
    """Codes are single use and bound to the client that asked for them."""
    found = state.codes.pop(code, None)
    if found is None or found.flavour != flavour or found.expires_at < time.time():
        raise oauth_error(400, "invalid_grant", "The authorization code is invalid or has expired")
    if found.client_id != client_id:
        raise oauth_error(400, "invalid_grant", "The authorization code was issued to another client")
    if found.redirect_uri is not None and redirect_uri != found.redirect_uri:
        raise oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request")
    return found


def pkce_challenge(request: Request) -> tuple[str | None, str | None, str | None]:
    """(code_challenge, method, error) of an authorize request; both flavours take S256 and plain."""
    challenge = request.arg("code_challenge")
    method = request.arg("code_challenge_method") or ("plain" if challenge else None)
    if challenge and method not in ("S256", "plain"):
        return None, None, "code_challenge_method must be S256"
    return challenge, method, None


def verify_pkce(found: AuthorizationCode, verifier: str | None) -> None:
    """A code issued for a challenge needs the matching verifier (RFC 7636 4.6), as Bitbucket checks."""
    if not found.code_challenge:
        return
    if not verifier:
        raise oauth_error(400, "invalid_grant", "code_verifier is required")
    if (found.code_challenge_method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    if not secrets_equal(computed, found.code_challenge):
        raise oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")


def begin_consent(state: State, request: Request, *, flavour: str, client_id: str, redirect_uri: str,
                  redirect_uri_given: bool, scopes: list[str], title: str, action: str, app_name: str,
                  scope_descriptions: dict[str, str], users: list[tuple[str, str]]) -> Response:
    """The end of every flavour's authorize request, once the client, redirect URI and scopes are settled: the
    PKCE parameters (a bad method goes back to the client as invalid_request), the pending authorization,
    the consent page."""
    challenge, method, pkce_error = pkce_challenge(request)
    if pkce_error:
        return Response.redirect(add_query(redirect_uri, {"error": "invalid_request", "error_description": pkce_error,
                                                          "state": request.arg("state")}))
    pending = PendingAuthorization(flavour=flavour, client_id=client_id, redirect_uri=redirect_uri,
                                   state=request.arg("state"), scopes=scopes, code_challenge=challenge,
                                   code_challenge_method=method, redirect_uri_given=redirect_uri_given)
    return consent_page(title=title, action=action, request_id=start_authorization(state, pending),
                        app_name=app_name, scopes=[(s, scope_descriptions.get(s, "")) for s in scopes], users=users)


def consent_page(*, title: str, action: str, request_id: str, app_name: str,
                 scopes: list[tuple[str, str]], users: list[tuple[str, str]]) -> Response:
    """Plain HTML, works without JavaScript: pick the signed-in user, then Grant or Cancel."""
    esc = html.escape
    options = "\n".join(
        f'        <option value="{esc(value)}"{" selected" if i == 0 else ""}>{esc(label)}</option>'
        for i, (value, label) in enumerate(users)
    )
    scope_items = "\n".join(
        f'      <li><code class="scope">{esc(name)}</code> {esc(description)}</li>' for name, description in scopes
    )
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{esc(title)}</title></head>
<body>
  <h1>{esc(title)}</h1>
  <p><strong class="consumer-name">{esc(app_name)}</strong> is requesting access to your account.</p>
  <p>It will be able to:</p>
  <ul class="scopes">
{scope_items}
  </ul>
  <form method="post" action="{esc(action)}">
    <input type="hidden" name="request_id" value="{esc(request_id)}">
    <label for="user">Signed in as</label>
    <select name="user" id="user">
{options}
    </select>
    <button type="submit" name="action" value="grant">Grant access</button>
    <button type="submit" name="action" value="cancel">Cancel</button>
  </form>
</body>
</html>
"""
    return Response.html(200, page)


def decide_authorization(state: State, form: dict[str, str], *, flavour: str, users) -> Response:
    """The consent page's Grant or Cancel: redirect back with a code, or with `access_denied`."""
    pending = state.pending.pop(form.get("request_id", ""), None)
    if pending is None or pending.flavour != flavour:
        return error_page(400, "This authorization request has expired. Start again from the application.")
    if form.get("action") != "grant":
        return Response.redirect(add_query(pending.redirect_uri, {
            "error": "access_denied", "error_description": "The user denied access.", "state": pending.state}))
    username = form.get("user") or next(iter(users), "")
    if username not in users:
        return error_page(400, f"Unknown user {username!r}.")
    code = issue_code(state, pending, username)
    return Response.redirect(add_query(pending.redirect_uri, {"code": code, "state": pending.state}))


def error_page(status: int, message: str) -> Response:
    return Response.html(status, f"<!doctype html><html><body><h1>Authorization failed</h1>"
                                 f"<p class=\"error\">{html.escape(message)}</p></body></html>")
