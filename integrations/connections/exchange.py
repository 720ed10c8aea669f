"""Token requests (code exchange and refresh) through the runner agent: the portal never holds the secret.

The agent opens the sealed client secret and posts the grant to the token URL sealed beside it;
here we only hand it the grant and read the provider's answer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection, transaction
from django.views.decorators.debug import sensitive_variables

from integrations.models import ScmIntegration
from integrations.providers.http import BadRequest, provider_message
from integrations.providers.tokens import TokenResponse, parse_token_response
from integrations.secret_check import is_secret_unusable, secret_expectations
from integrations.services import integration_secret_reject
from portal.errors import Unavailable
from runners import channel
from runners.protocol.jobs import OAuthTokenPayload

# OAuth errors (RFC 6749 5.2) that mean "this code / refresh token is no good", not "try later".
_DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_request", "unauthorized_client"})


class TokenRequestFailed(Exception):
    """The token request failed. `message` is for users; it never holds a token or secret."""

    def __init__(self, message: str, *, transient: bool, dead_grant: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.dead_grant = dead_grant


def _ask_runner(integration: ScmIntegration, grant: dict) -> dict:
    """The agent posts `grant` to the token URL sealed with the client secret: {"status", "body"}."""
    payload = OAuthTokenPayload(sealed=integration.client_secret_sealed, integration_id=integration.pk,
                                grant=dict(grant), **secret_expectations(integration))
    answer = channel.request(integration.runner, payload)
    return {"status": answer.status, "body": answer.body}


def _ask_runner_in_own_connection(integration: ScmIntegration, grant: dict) -> dict:
    try:
        return _ask_runner(integration, grant)
    finally:
        connection.close()


@sensitive_variables()
def request_token(integration: ScmIntegration, grant: dict) -> tuple[dict[str, Any], TokenResponse]:
    """Send `grant` through the integration's runner; return the raw body and the parsed token.

    Inside a transaction (a refresh holding the connection's row lock) the job is created from
    another thread, i.e. another database connection: the agent only sees committed jobs.
    """
    label = integration.spec.label
    if not integration.oauth_ready:
        raise TokenRequestFailed(
            f"{label} OAuth on runner {integration.runner.name} is not set up completely (client ID and secret). "
            "Ask an org admin to finish its repository access settings.", transient=False)
    try:
        if transaction.get_connection().in_atomic_block:
            with ThreadPoolExecutor(max_workers=1) as pool:
                answer = pool.submit(_ask_runner_in_own_connection, integration, grant).result()
        else:
            answer = _ask_runner(integration, grant)
    except Unavailable as exc:
        if is_secret_unusable(exc.message):
            # Retrying cannot help: the secret must be entered again, and the dialog now says so.
            integration_secret_reject(integration=integration, reason=exc.message)
            raise TokenRequestFailed(exc.message, transient=False) from None
        raise TokenRequestFailed(exc.message, transient=True) from None
    status, body = answer["status"], answer["body"]
    if status == 200:
        try:
            return body, parse_token_response(body, provider=integration.provider)
        except BadRequest:
            pass
    error = str(body.get("error") or "") if isinstance(body, dict) else ""
    detail = provider_message(body) or f"HTTP {status}"
    transient = status >= 500 or status == 429
    raise TokenRequestFailed(f"{label} refused the token request ({detail}).", transient=transient,
                             dead_grant=error in _DEAD_GRANT_ERRORS)
