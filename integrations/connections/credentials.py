"""How a connection authenticates to its provider, whatever its kind: the one place every provider client
(repository listing, webhook install, verification) gets its credential from."""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables

from integrations.models import Connection
from integrations.models.connection import Method
from integrations.providers.http import BearerToken, Credential


@sensitive_variables()
def connection_credential(connection: Connection) -> Credential:
    """OAuth: the access token as Bearer. Pasted tokens: as their provider sends that kind (HTTP Basic with
    the login for API tokens and app passwords, Bearer for access tokens and HTTP access tokens)."""
    if connection.method == Method.OAUTH:
        return BearerToken(connection.access_token, kind=Method.OAUTH)
    return connection.integration.scm_provider.token_credential(connection.method, login=connection.login,
                                                                token=connection.access_token)
