"""A short-lived credential a runner's agent uses to clone or read one repository on the user's behalf.

Minted from the project's connection at the moment the agent needs it: an OAuth access token (refreshed
first when it is about to expire, under the connection's row lock) or the secret of a token connection.
The caller seals it to the runner's key (`runners.agent.clone_credential`) before it leaves this
process; it is never logged, stored or shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations.connections.services import ConnectionBroken, connection_refresh
from integrations.models import Connection
from integrations.models.connection import Method

# Token connections hold long-lived secrets; the agent is told to forget them after this long.
TOKEN_CREDENTIAL_TTL = timedelta(hours=1)
# Methods whose secret goes with a login over HTTP Basic (API calls too); the others are Bearer tokens.
_BASIC = frozenset({Method.API_TOKEN, Method.APP_PASSWORD})


class CloneCredentialUnavailable(Exception):
    """The connection cannot give a credential now (broken, expired without refresh); the message says why."""


@dataclass(frozen=True)
class CloneCredential:
    username: str
    password: str = field(repr=False)
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"CloneCredential(username={self.username!r}, expires_at={self.expires_at!r}, password=...)"


def api_auth_for(connection: Connection) -> str:
    """How the credential authenticates API calls: "basic" (login + secret) or "bearer" (the secret alone)."""
    return "basic" if connection.method in _BASIC else "bearer"


@sensitive_variables("password")
def clone_credential_for(*, connection: Connection) -> CloneCredential:
    if connection.method == Method.OAUTH:
        try:
            connection = connection_refresh(connection_id=connection.pk)
        except ConnectionBroken as exc:
            raise CloneCredentialUnavailable(str(exc)) from None
        expires_at = connection.expires_at
    else:
        expires_at = timezone.now() + TOKEN_CREDENTIAL_TTL
    password = connection.access_token
    if not password:
        raise CloneCredentialUnavailable("The connection holds no token. Reconnect it.")
    if api_auth_for(connection) == "basic":
        username = connection.login or connection.username
    else:
        # Git over HTTPS takes any token as the password; some providers want a fixed user name beside it.
        username = connection.integration.scm_provider.bearer_git_username or connection.username
    return CloneCredential(username=username, password=password, expires_at=expires_at)
