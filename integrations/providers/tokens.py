"""OAuth token responses, as the runner agent relays them from the provider's token endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.providers.http import BadRequest, provider_message, scrub_text, split_scopes


@dataclass(frozen=True)
class TokenResponse:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int | None
    scopes: tuple[str, ...]
    token_type: str


def parse_token_response(body: Any, *, provider: str = "oauth") -> TokenResponse:
    """Parse an OAuth token response; Bitbucket Cloud names scopes in `scopes`, others in `scope`."""
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        message = provider_message(body) or "token response has no access_token"
        raise BadRequest(scrub_text(message, None), provider=provider)
    scopes_value = body.get("scope") or body.get("scopes")
    if isinstance(scopes_value, list):
        scopes = tuple(str(s) for s in scopes_value)
    else:
        scopes = split_scopes(scopes_value if isinstance(scopes_value, str) else None)
    expires_in = body.get("expires_in")
    if not (isinstance(expires_in, int) or (isinstance(expires_in, str) and expires_in.isdigit())):
        expires_in = None
    return TokenResponse(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or None,
        expires_in=int(expires_in) if expires_in is not None else None,
        scopes=scopes,
        token_type=str(body.get("token_type") or "bearer"),
    )
